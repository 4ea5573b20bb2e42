import type {
  GuardrailFinding,
  StatementFacts,
  StatementKind,
  TableRef,
} from '../../src/analysis/statement-facts';
import type { Identity } from '../../src/identity/identity';
import type { TargetRef } from '../../src/identity/target';
import type { PolicyInput } from '../../src/policy/policy';

/** `public.users` -> { schema: 'public', name: 'users' }; `users` -> unqualified. */
export function table(name: string): TableRef {
  const dot = name.indexOf('.');
  return dot < 0 ? { schema: null, name } : { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}

/** Details in the analyser's style: one sentence, no literal values. */
const DETAILS: Record<string, string> = {
  'delete-without-where': 'DELETE without WHERE removes every row.',
  'update-without-where': 'UPDATE without WHERE changes every row.',
  'drop-table': 'DROP TABLE destroys the table and its data.',
  truncate: 'TRUNCATE removes every row.',
  'tautological-where': 'The WHERE clause is always true.',
  'index-without-concurrently': 'CREATE INDEX without CONCURRENTLY blocks writes while it builds.',
};

export function guardrail(id: string): GuardrailFinding {
  return { id, detail: DETAILS[id] ?? `The statement triggers ${id}.` };
}

export interface FactsSpec {
  readonly kind: StatementKind | string;
  readonly command?: string;
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  readonly guardrails?: readonly string[];
  readonly unknownReason?: string;
}

const COMMAND_OF_KIND: Record<string, string> = {
  read: 'SELECT',
  write: 'INSERT',
  ddl: 'CREATE TABLE',
  dcl: 'GRANT',
  admin: 'VACUUM',
  transaction: 'BEGIN',
  session: 'SET',
  utility: 'EXPLAIN',
  unknown: '',
};

/** StatementFacts built by hand, as analysis would produce them. */
export function facts(spec: FactsSpec): StatementFacts {
  return {
    kind: spec.kind as StatementKind,
    command: spec.command ?? COMMAND_OF_KIND[spec.kind] ?? 'UNKNOWN',
    tablesRead: (spec.reads ?? []).map(table),
    tablesWritten: (spec.writes ?? []).map(table),
    columns: [],
    functions: [],
    guardrails: (spec.guardrails ?? []).map(guardrail),
    fingerprint: 'fp',
    normalized: 'SELECT $1',
    ...(spec.unknownReason !== undefined ? { unknownReason: spec.unknownReason } : {}),
  };
}

export interface Who {
  readonly subject?: string;
  readonly groups?: readonly string[];
  readonly target?: string;
  readonly environment?: string;
  readonly database?: string;
}

export function identity(subject = 'alice', groups: readonly string[] = []): Identity {
  return { subject, groups, authMethod: 'jwt', issuer: 'https://idp.example.com' };
}

export function target(name = 'prod', environment = 'production'): TargetRef {
  return { name, engine: 'postgres', environment };
}

export function input(who: Who, statement: FactsSpec): PolicyInput {
  return {
    identity: identity(who.subject ?? 'alice', who.groups ?? []),
    target: target(who.target ?? 'prod', who.environment ?? 'production'),
    database: who.database ?? 'app',
    facts: facts(statement),
  };
}
