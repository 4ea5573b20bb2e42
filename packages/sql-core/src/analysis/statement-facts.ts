/** The closed set of statement kinds policy rules match on. */
export const StatementKind = {
  read: 'read',
  write: 'write',
  ddl: 'ddl',
  dcl: 'dcl',
  admin: 'admin',
  transaction: 'transaction',
  session: 'session',
  utility: 'utility',
  unknown: 'unknown',
} as const;
export type StatementKind = (typeof StatementKind)[keyof typeof StatementKind];

export const Dialect = { postgres: 'postgres', mysql: 'mysql' } as const;
export type Dialect = (typeof Dialect)[keyof typeof Dialect];

/** A table as the statement names it, identifiers normalised (unquoted, case-folded as the engine does). */
export interface TableRef {
  /** Schema as written, or null when the statement left it to the search path. */
  readonly schema: string | null;
  readonly name: string;
}

export const ColumnRole = {
  output: 'output',
  predicate: 'predicate',
  ordering: 'ordering',
  grouping: 'grouping',
  assignment: 'assignment',
  other: 'other',
} as const;
export type ColumnRole = (typeof ColumnRole)[keyof typeof ColumnRole];

export interface ColumnUse {
  /** Table or alias qualifier as resolved to a table when possible; null when unqualified and ambiguous. */
  readonly table: TableRef | null;
  /** Column name, or `*`. */
  readonly column: string;
  readonly role: ColumnRole;
}

/** A guardrail that fired, with its stable id (documented in docs/guardrails.md). */
export interface GuardrailFinding {
  readonly id: string;
  /** One sentence a user can act on, with no literal values from the statement. */
  readonly detail: string;
}

/** What analysis learns of one statement. */
export interface StatementFacts {
  readonly kind: StatementKind;
  /** Command tag as the engine would name it, e.g. `SELECT`, `CREATE TABLE`. */
  readonly command: string;
  readonly tablesRead: readonly TableRef[];
  readonly tablesWritten: readonly TableRef[];
  readonly columns: readonly ColumnUse[];
  /** Functions called, folded as PostgreSQL folds them (unquoted lower-case), schema-qualified where written (`pg_catalog.pg_sleep`). */
  readonly functions: readonly string[];
  readonly guardrails: readonly GuardrailFinding[];
  /** Stable hash of the statement's shape (literals removed). */
  readonly fingerprint: string;
  /** The statement text with literals replaced by placeholders; safe to log and audit. */
  readonly normalized: string;
  /** Why the statement is `unknown`, when it is. */
  readonly unknownReason?: string;
  /** SQL-level PREPARE name: the statement it prepares was judged with these facts. */
  readonly prepares?: string;
  /**
   * SQL-level EXECUTE name (also `EXPLAIN ANALYZE EXECUTE`, `CREATE TABLE AS EXECUTE`). Without a
   * resolver (see `AnalyseOptions.prepared`) such a statement is `unknown`; with one, it carries
   * the prepared statement's facts merged with those of its own parameters.
   */
  readonly executes?: string;
  /** SQL-level DEALLOCATE name, `*` for DEALLOCATE ALL and DISCARD ALL: the session forgets it. */
  readonly deallocates?: string;
}

/** The result of analysing one client string, which may hold several statements. */
export interface Analysis {
  readonly dialect: Dialect;
  readonly statements: readonly StatementFacts[];
}

/** Per-call context a session can give the analyser. */
export interface AnalyseOptions {
  /**
   * The facts this session recorded when it allowed `PREPARE name AS ...` (SQL level), so that
   * `EXECUTE name` is judged as the statement it runs. Unresolved names leave EXECUTE `unknown`.
   */
  readonly prepared?: (name: string) => StatementFacts | undefined;
}

/** The port each dialect's parser implements. Pure: no I/O. */
export interface StatementAnalyser {
  readonly dialect: Dialect;
  analyse(sql: string, options?: AnalyseOptions): Analysis;
}
