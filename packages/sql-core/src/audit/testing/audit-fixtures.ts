import pino from 'pino';
import type { StatementFacts } from '../../analysis/statement-facts';
import type { SessionContext } from '../../session/session-context';
import type { StatementOutcomeEvent } from '../audit-event';
import { AuditChain } from '../audit-record';

/** Test helpers shared by the audit tests (excluded from the build). */
export const T0 = new Date('2026-01-02T03:04:05.678Z');

export function session(overrides: Partial<SessionContext> = {}): SessionContext {
  return {
    id: 'ses_0123456789abcdef0123',
    identity: {
      subject: 'alice@example.com',
      groups: ['dev', 'ops'],
      authMethod: 'jwt',
      issuer: 'https://idp.example.com',
    },
    target: { name: 'prod', engine: 'postgres', environment: 'production' },
    database: 'app',
    clientAddress: '10.0.0.7:51234',
    clientUser: 'alice',
    tls: true,
    logger: pino({ level: 'silent' }),
    ...overrides,
  };
}

export function facts(overrides: Partial<StatementFacts> = {}): StatementFacts {
  return {
    kind: 'read',
    command: 'SELECT',
    tablesRead: [{ schema: 'public', name: 'users' }],
    tablesWritten: [],
    columns: [
      { table: { schema: 'public', name: 'users' }, column: 'email', role: 'output' },
      { table: { schema: 'public', name: 'users' }, column: 'id', role: 'predicate' },
    ],
    functions: [],
    guardrails: [],
    fingerprint: 'a1b2c3d4e5f60718',
    normalized: 'SELECT email FROM public.users WHERE id = $1',
    ...overrides,
  };
}

export function sampleEvent(i: number): StatementOutcomeEvent {
  return {
    type: 'statement.outcome',
    time: new Date(T0.getTime() + i).toISOString(),
    session_id: 'ses_test',
    statement_seq: i,
    subject: 'alice@example.com',
    target: 'prod',
    status: 'ok',
    rows_returned: i,
    rows_affected: null,
    sqlstate: null,
    duration_ms: 1.5,
    masked: [],
  };
}

/** The lines (no newlines) of a fresh chain of `n` sample records. */
export function chainLines(n: number, chain = new AuditChain()): string[] {
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) lines.push(chain.append(sampleEvent(i)).line);
  return lines;
}

export function joinLines(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}
