import type { StatementKind } from './statement-facts';

/**
 * How strong each kind is when a statement has several effects: the statement takes the
 * strongest. A SELECT that calls `pg_terminate_backend` is `admin`; a SELECT whose CTE deletes
 * is `write`; anything that cannot be known is `unknown`, which outranks everything (fail closed).
 */
export const KIND_STRENGTH: Readonly<Record<StatementKind, number>> = Object.freeze({
  read: 0,
  utility: 1,
  session: 2,
  transaction: 3,
  write: 4,
  ddl: 5,
  dcl: 6,
  admin: 7,
  unknown: 8,
});

export function strongerKind(a: StatementKind, b: StatementKind): StatementKind {
  return KIND_STRENGTH[b] > KIND_STRENGTH[a] ? b : a;
}
