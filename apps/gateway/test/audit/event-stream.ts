import {
  sessionEndEvent,
  sessionStartEvent,
  statementIntentEvent,
  statementOutcomeEvent,
  type AuditEvent,
  type Decision,
  type SessionContext,
  type StatementFacts,
  type StatementKind,
} from '@gatehouse/sql-core';
import pino from 'pino';

/**
 * Realistic audit events from the real builders, for the sink and reader
 * tests: sessions of a few subjects and targets, each with reads, writes
 * (on a few tables), a denied DDL, outcomes, and an end.
 */
const silent = pino({ level: 'silent' });

export function sessionContext(id: string, subject: string, target = 'local'): SessionContext {
  return {
    id,
    identity: { subject, groups: ['dev'], authMethod: 'service_token', issuer: 'tests' },
    target: { name: target, engine: 'postgres', environment: 'test' },
    database: 'test',
    clientAddress: '127.0.0.1:40000',
    clientUser: subject,
    tls: false,
    logger: silent,
  };
}

function facts(kind: StatementKind, command: string, read: string[], written: string[]): StatementFacts {
  const ref = (t: string) => {
    const [schema, name] = t.includes('.') ? t.split('.') : [null, t];
    return { schema: schema ?? null, name: name! };
  };
  return {
    kind,
    command,
    tablesRead: read.map(ref),
    tablesWritten: written.map(ref),
    columns: [],
    functions: [],
    guardrails: kind === 'ddl' ? [{ id: 'drop-table', detail: 'drops a table' }] : [],
    fingerprint: `${kind}-${command}`.padEnd(16, '0'),
    normalized: `${command} ...`,
  };
}

const SHAPES: readonly {
  kind: StatementKind;
  command: string;
  read: string[];
  written: string[];
  decision: 'allow' | 'deny';
}[] = [
  { kind: 'read', command: 'SELECT', read: ['public.users'], written: [], decision: 'allow' },
  { kind: 'write', command: 'UPDATE', read: [], written: ['public.orders'], decision: 'allow' },
  { kind: 'read', command: 'SELECT', read: ['audit_t'], written: [], decision: 'allow' },
  { kind: 'ddl', command: 'DROP TABLE', read: [], written: ['public.users'], decision: 'deny' },
  { kind: 'write', command: 'INSERT', read: [], written: ['sales.users'], decision: 'allow' },
];

/** `sessions` sessions of `statements` statements each, in the order a gateway would record them; times 1 ms apart from `start`. */
export function eventStream(
  prefix: string,
  sessions: number,
  statements: number,
  start = Date.UTC(2026, 2, 1, 9),
): AuditEvent[] {
  const out: AuditEvent[] = [];
  let t = start;
  const at = () => new Date(t++);
  for (let s = 0; s < sessions; s++) {
    const ctx = sessionContext(
      `ses_${prefix}${String(s).padStart(4, '0')}`,
      s % 2 === 0 ? 'alice' : 'bob',
      s % 3 === 2 ? 'other' : 'local',
    );
    out.push(sessionStartEvent(ctx, 'app', at()));
    for (let n = 1; n <= statements; n++) {
      const shape = SHAPES[(s + n) % SHAPES.length]!;
      const f = facts(shape.kind, shape.command, shape.read, shape.written);
      const decision: Decision =
        shape.decision === 'allow'
          ? { action: 'allow', ruleId: 'everything', statements: [f], maskPlan: null }
          : {
              action: 'deny',
              ruleId: 'guardrails',
              reason: 'a guardrail',
              code: 'policy_denied',
              statements: [f],
            };
      out.push(
        statementIntentEvent(
          { session: ctx, seq: n, sql: 'not recorded', source: 'simple', inTransaction: false },
          decision,
          n,
          { time: at() },
        ),
      );
      if (shape.decision === 'allow') {
        out.push(
          statementOutcomeEvent(
            ctx,
            n,
            {
              rowsReturned: shape.kind === 'read' ? n : null,
              rowsAffected: shape.kind === 'write' ? 1 : null,
              sqlstate: null,
              durationMs: 0.5,
            },
            at(),
          ),
        );
      }
    }
    out.push(
      sessionEndEvent(
        ctx,
        {
          upstreamUser: 'app',
          reason: 'client_closed',
          bytesIn: 10,
          bytesOut: 20,
          durationMs: 5,
          statements,
        },
        at(),
      ),
    );
  }
  return out;
}
