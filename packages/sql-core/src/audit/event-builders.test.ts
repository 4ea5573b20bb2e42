import type { Decision } from '../pipeline/decision';
import type { StatementEvent } from '../pipeline/statement-event';
import {
  approvalApprovedEvent,
  approvalExecutedEvent,
  approvalRequestedEvent,
  approvalWithdrawnEvent,
  policyReloadedEvent,
} from './approval-event-builders';
import { eventBody } from './audit-record';
import { authFailedEvent, sessionEndEvent, sessionStartEvent } from './session-event-builders';
import { statementIntentEvent, statementOutcomeEvent } from './statement-event-builders';
import { facts, session, T0 } from './testing/audit-fixtures';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function statement(
  sql = "SELECT email FROM public.users WHERE id = 42 AND name = 'Ann Smith'",
): StatementEvent {
  return { session: session(), seq: 1, sql, source: 'simple', inTransaction: false };
}

describe('statementIntentEvent', () => {
  it('carries the shapes from the facts and the decision, never the literals', () => {
    const write = facts({
      kind: 'write',
      command: 'UPDATE',
      tablesRead: [],
      tablesWritten: [{ schema: 'public', name: 'users' }],
      columns: [
        { table: { schema: 'public', name: 'users' }, column: 'email', role: 'assignment' },
        { table: { schema: 'public', name: 'users' }, column: 'id', role: 'predicate' },
        { table: null, column: 'id', role: 'predicate' },
      ],
      guardrails: [{ id: 'update-without-where', detail: 'UPDATE touching "users" has no WHERE' }],
      normalized: 'UPDATE public.users SET email = $1 WHERE id = $2',
    });
    const decision: Decision = {
      action: 'review',
      ruleId: 'prod-writes',
      reason: 'writes to production',
      approvalId: 'apr_1',
      statements: [write],
    };
    const event = statementIntentEvent(statement("UPDATE users SET email='a@b.c' WHERE id=1"), decision, 7, {
      time: T0,
    });
    expect(event).toEqual({
      type: 'statement.intent',
      time: '2026-01-02T03:04:05.678Z',
      session_id: 'ses_0123456789abcdef0123',
      statement_seq: 7,
      subject: 'alice@example.com',
      target: 'prod',
      environment: 'production',
      database: 'app',
      source: 'simple',
      in_transaction: false,
      statements: [
        {
          kind: 'write',
          command: 'UPDATE',
          fingerprint: 'a1b2c3d4e5f60718',
          sql: 'UPDATE public.users SET email = $1 WHERE id = $2',
          tables_read: [],
          tables_written: ['public.users'],
          columns_read: ['id', 'public.users.id'],
          columns_written: ['public.users.email'],
          functions: [],
          guardrails: [{ id: 'update-without-where', detail: 'UPDATE touching ? has no WHERE' }],
          unknown_reason: null,
        },
      ],
      decision: 'review',
      rule_id: 'prod-writes',
      reason: 'writes to production',
      approval_id: 'apr_1',
    });
    expect(eventBody(event)).not.toContain('a@b.c');
  });

  it('keeps the full text only when asked', () => {
    const decision: Decision = { action: 'allow', ruleId: 'reads', statements: [facts()], maskPlan: null };
    expect(statementIntentEvent(statement(), decision, 1)).not.toHaveProperty('sql_text');
    expect(statementIntentEvent(statement(), decision, 1, { keepFullText: true }).sql_text).toContain(
      'Ann Smith',
    );
    expect(statementIntentEvent(statement(), decision, 1)).toMatchObject({
      decision: 'allow',
      reason: null,
      approval_id: null,
    });
  });

  it('scrubs quoted text out of an unknown statement reason', () => {
    const unknown = facts({
      kind: 'unknown',
      unknownReason: 'syntax error at or near "Ann Smith"',
      normalized: '',
      fingerprint: '',
    });
    const decision: Decision = {
      action: 'deny',
      ruleId: 'unknown-statement',
      reason: 'could not be analysed',
      code: 'analysis_failed',
      statements: [unknown],
    };
    const event = statementIntentEvent(statement(), decision, 2);
    expect(event.statements[0]?.unknown_reason).toBe('syntax error at or near ?');
    expect(event).toMatchObject({ decision: 'deny', reason: 'could not be analysed' });
  });
});

describe('statementOutcomeEvent', () => {
  it.each([
    [null, 'ok'],
    ['23505', 'error'],
    ['57014', 'canceled'],
  ])('sqlstate %s is status %s', (sqlstate, status) => {
    const event = statementOutcomeEvent(
      session(),
      3,
      { rowsReturned: 2, rowsAffected: null, sqlstate, durationMs: 1.23456 },
      T0,
    );
    expect(event).toMatchObject({
      status,
      sqlstate,
      statement_seq: 3,
      subject: 'alice@example.com',
      target: 'prod',
      rows_returned: 2,
      duration_ms: 1.235,
      masked: [],
    });
  });

  it('lists masked columns with sorted detectors', () => {
    const event = statementOutcomeEvent(session(), 1, {
      rowsReturned: 10,
      rowsAffected: null,
      sqlstate: null,
      durationMs: 4,
      masked: [
        { column: 'email', table: 'public.users', detectors: ['name:email', 'email', 'email'], values: 10 },
      ],
    });
    expect(event.masked).toEqual([
      { column: 'email', table: 'public.users', detectors: ['email', 'name:email'], values: 10 },
    ]);
  });
});

describe('session and auth events', () => {
  it('session.start and session.end carry the identity, target and connection', () => {
    const s = session({ clientUser: JWT });
    const start = sessionStartEvent(s, 'app_readonly', T0);
    expect(start).toMatchObject({
      type: 'session.start',
      subject: 'alice@example.com',
      groups: ['dev', 'ops'],
      auth_method: 'jwt',
      client_address: '10.0.0.7:51234',
      client_user: '[redacted]',
      target: 'prod',
      engine: 'postgres',
      environment: 'production',
      database: 'app',
      upstream_user: 'app_readonly',
      tls: true,
    });
    const end = sessionEndEvent(
      s,
      {
        upstreamUser: 'app_readonly',
        reason: 'client_closed',
        bytesIn: 10,
        bytesOut: 20,
        durationMs: 1000,
        statements: 3,
      },
      T0,
    );
    expect(end).toMatchObject({
      type: 'session.end',
      reason: 'client_closed',
      bytes_in: 10,
      bytes_out: 20,
      duration_ms: 1000,
      statements: 3,
      session_id: s.id,
    });
  });

  it('auth.failed never carries the token, even where a client put it', () => {
    const event = authFailedEvent({
      claimedUser: JWT,
      reason: 'auth_failed',
      detail: `token ${JWT} expired; password=hunter2 from postgres://u:secretpw@h/db`,
      clientAddress: '10.0.0.9:4000',
      engine: 'mysql',
      target: 'prod',
      tls: false,
    });
    const text = eventBody(event);
    for (const secret of [JWT, 'hunter2', 'secretpw', 'c2lnbmF0dXJl']) expect(text).not.toContain(secret);
    expect(event).toMatchObject({
      claimed_user: '[redacted]',
      reason: 'auth_failed',
      client_address: '10.0.0.9:4000',
      engine: 'mysql',
    });
  });

  it('keeps ordinary user names and messages as they are', () => {
    const event = authFailedEvent({
      claimedUser: 'bob',
      reason: 'plaintext_refused',
      detail: 'cleartext password over a non-TLS connection',
      clientAddress: 'a',
      engine: 'postgres',
      target: null,
      tls: false,
    });
    expect(event).toMatchObject({
      claimed_user: 'bob',
      detail: 'cleartext password over a non-TLS connection',
      target: null,
    });
  });
});

describe('approval and policy events', () => {
  it('builds each approval event', () => {
    expect(
      approvalRequestedEvent(
        session(),
        {
          approvalId: 'apr_1',
          statementSeq: 4,
          ruleId: 'r',
          reason: 'ddl in production',
          fingerprints: ['f1'],
          required: 2,
          expiresAt: T0,
        },
        T0,
      ),
    ).toMatchObject({
      type: 'approval.requested',
      approval_id: 'apr_1',
      session_id: 'ses_0123456789abcdef0123',
      statement_seq: 4,
      required: 2,
      expires_at: T0.toISOString(),
    });
    expect(
      approvalApprovedEvent({
        approvalId: 'apr_1',
        approver: 'dba1',
        reason: 'ok',
        approvals: 1,
        required: 2,
      }),
    ).toMatchObject({ type: 'approval.approved', approvals: 1 });
    expect(approvalWithdrawnEvent('apr_1', 'canceled')).toMatchObject({
      type: 'approval.withdrawn',
      why: 'canceled',
    });
    expect(
      approvalExecutedEvent(session(), { approvalId: 'apr_1', statementSeq: 4, approvers: ['dba1', 'dba2'] }),
    ).toMatchObject({ approvers: ['dba1', 'dba2'] });
  });

  it('policy.reloaded records failures with their message', () => {
    expect(
      policyReloadedEvent({
        ok: false,
        trigger: 'api',
        actor: 'dba1',
        rules: 12,
        policySha256: null,
        error: 'policy.rules[3].when: unknown key',
      }),
    ).toMatchObject({
      ok: false,
      error: 'policy.rules[3].when: unknown key',
      rules: 12,
    });
  });
});

describe('builders emit members in canonical order', () => {
  it.each([
    [
      'statement.intent',
      () =>
        statementIntentEvent(
          statement(),
          {
            action: 'allow',
            ruleId: 'r',
            statements: [facts({ guardrails: [{ id: 'g', detail: 'd' }] })],
            maskPlan: null,
          },
          1,
          { keepFullText: true },
        ),
    ],
    [
      'statement.outcome',
      () =>
        statementOutcomeEvent(session(), 1, {
          rowsReturned: 1,
          rowsAffected: null,
          sqlstate: null,
          durationMs: 1,
          masked: [{ column: 'c', table: null, detectors: ['email'], values: 1 }],
        }),
    ],
  ])('%s, so it is written as built', (_type, build) => {
    const event = build();
    expect(JSON.stringify(event)).toBe(eventBody(event));
  });
});
