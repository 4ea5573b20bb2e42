import fc from 'fast-check';
import type { AuditEvent } from './audit-event';
import { eventBody } from './audit-record';
import { canonicalJson } from './canonical-json';
import { auditStatements, statementIntentEvent, statementOutcomeEvent } from './statement-event-builders';
import { intentBody, outcomeBody } from './statement-record-bodies';
import { facts, session } from './testing/audit-fixtures';

/** Any string JSON may hold: quotes, backslashes, controls, lone surrogates, astral characters. */
const anyText = fc.string({ unit: 'binary' });
const textOrNull = fc.option(anyText, { nil: null });

const statements = fc
  .array(
    fc.record({
      normalized: anyText,
      fingerprint: anyText,
      column: anyText,
      detail: anyText,
    }),
    { maxLength: 3 },
  )
  .map((list) =>
    auditStatements(
      list.map((s) =>
        facts({
          normalized: s.normalized,
          fingerprint: s.fingerprint,
          columns: [{ table: { schema: 'public', name: 'users' }, column: s.column, role: 'output' }],
          guardrails: [{ id: 'update-without-where', detail: s.detail }],
        }),
      ),
    ),
  );

const intent = fc
  .record({
    time: anyText,
    approval_id: textOrNull,
    database: anyText,
    decision: fc.constantFrom('allow', 'deny', 'review'),
    environment: anyText,
    in_transaction: fc.boolean(),
    reason: textOrNull,
    rule_id: anyText,
    session_id: anyText,
    source: fc.constantFrom('simple', 'extended', 'function_call'),
    sql_text: fc.option(anyText, { nil: undefined }),
    statement_seq: fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    statements,
    subject: anyText,
    target: anyText,
  })
  .map(({ sql_text, statement_seq, statements: list, ...rest }) => ({
    type: 'statement.intent' as const,
    time: rest.time,
    approval_id: rest.approval_id,
    database: rest.database,
    decision: rest.decision,
    environment: rest.environment,
    in_transaction: rest.in_transaction,
    reason: rest.reason,
    rule_id: rest.rule_id,
    session_id: rest.session_id,
    source: rest.source,
    ...(sql_text === undefined ? {} : { sql_text }),
    statement_seq,
    statements: list,
    subject: rest.subject,
    target: rest.target,
  }));

const count = fc.option(fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })), {
  nil: null,
});

const outcome = fc
  .record({
    time: anyText,
    duration_ms: fc.double({ noNaN: true, noDefaultInfinity: true }),
    masked: fc.array(
      fc.record({
        column: anyText,
        detectors: fc.array(anyText, { maxLength: 3 }),
        table: textOrNull,
        values: fc.nat(),
      }),
      { maxLength: 3 },
    ),
    rows_affected: count,
    rows_returned: count,
    session_id: anyText,
    sqlstate: textOrNull,
    statement_seq: fc.nat(),
    status: fc.constantFrom('ok', 'error', 'canceled', 'unknown'),
    subject: anyText,
    target: anyText,
  })
  .map((o) => ({
    type: 'statement.outcome' as const,
    time: o.time,
    duration_ms: o.duration_ms,
    masked: o.masked,
    rows_affected: o.rows_affected,
    rows_returned: o.rows_returned,
    session_id: o.session_id,
    sqlstate: o.sqlstate,
    statement_seq: o.statement_seq,
    status: o.status,
    subject: o.subject,
    target: o.target,
  }));

/** An outcome as the builder makes it. */
const outcomeBase = {
  type: 'statement.outcome',
  time: 't',
  duration_ms: 1,
  masked: [],
  rows_affected: null,
  rows_returned: 1,
  session_id: 's',
  sqlstate: null,
  statement_seq: 1,
  status: 'ok',
  subject: 'a',
  target: 'b',
};

describe('the statement record writers', () => {
  it('write every intent exactly as the generic canonical serialiser does', () => {
    fc.assert(
      fc.property(intent, (event) => {
        const fast = intentBody(event);
        expect(fast).not.toBeNull();
        expect(fast).toBe(canonicalJson(event));
        expect(eventBody(event as AuditEvent)).toBe(fast);
        // Twice: the second time the statements' text comes from the cache.
        expect(intentBody(event)).toBe(fast);
      }),
      { numRuns: 300 },
    );
  });

  it('write every outcome exactly as the generic canonical serialiser does', () => {
    fc.assert(
      fc.property(outcome, (event) => {
        const fast = outcomeBody(event);
        expect(fast).not.toBeNull();
        expect(fast).toBe(canonicalJson(event));
        expect(eventBody(event as AuditEvent)).toBe(fast);
      }),
      { numRuns: 300 },
    );
  });

  it('write what the builders make', () => {
    const decision = {
      action: 'allow' as const,
      ruleId: 'r',
      statements: [facts({ normalized: 'SELECT email FROM public.users WHERE id = $1' })],
      maskPlan: null,
    };
    const statement = {
      session: session(),
      seq: 3,
      sql: 'SELECT 1',
      source: 'simple' as const,
      inTransaction: true,
    };
    for (const event of [
      statementIntentEvent(statement, decision, 3),
      statementIntentEvent(statement, decision, 3, { keepFullText: true }),
    ]) {
      expect(intentBody(event)).toBe(canonicalJson(event));
    }
    const out = statementOutcomeEvent(session(), 3, {
      rowsReturned: 2,
      rowsAffected: null,
      sqlstate: null,
      durationMs: 1.23456,
      masked: [{ column: 'email', table: 'public.users', detectors: ['email', 'name:email'], values: 2 }],
    });
    expect(outcomeBody(out)).toBe(canonicalJson(out));
  });

  it('write strings that repeat, long strings and many distinct ones the same way', () => {
    const base = outcomeBase;
    // More distinct values than the texts kept, each twice; long ones with characters to escape.
    for (let i = 0; i < 5000; i++) {
      const event = {
        ...base,
        subject: `user-${i}\u2028"`,
        time: `2026-${i}`,
        session_id: `"${'x'.repeat(i % 600)}\n`,
      };
      expect(outcomeBody(event)).toBe(canonicalJson(event));
      expect(outcomeBody(event)).toBe(canonicalJson(event));
    }
  });

  it('leave any other shape to the generic path, which also raises its errors', () => {
    const base = outcomeBase;
    expect(outcomeBody(base)).not.toBeNull();
    // A key more, a key less, keys out of order, a value of another type, another type of event.
    expect(outcomeBody({ ...base, extra: 1 })).toBeNull();
    const { status: _s, ...missing } = base;
    expect(outcomeBody(missing)).toBeNull();
    const { type, time, ...others } = base;
    expect(outcomeBody({ time, type, ...others })).toBeNull();
    expect(outcomeBody({ ...base, rows_returned: '1' })).toBeNull();
    expect(outcomeBody({ ...base, subject: undefined })).toBeNull();
    expect(outcomeBody({ ...base, type: 'statement.intent' })).toBeNull();
    expect(intentBody(base)).toBeNull();
    // An inherited enumerable key is no plain record either.
    expect(outcomeBody(Object.assign(Object.create({ inherited: 1 }) as object, base))).toBeNull();

    // The generic path still writes (in canonical order) what it can, and refuses what it must.
    const reordered = { time, type, ...others } as unknown as AuditEvent;
    expect(eventBody(reordered)).toBe(outcomeBody(base));
    expect(() => eventBody({ ...base, duration_ms: Number.NaN } as unknown as AuditEvent)).toThrow(TypeError);
    expect(() => eventBody({ ...base, seq: 1 } as unknown as AuditEvent)).toThrow(TypeError);
  });

  it('hold a cached statements list to the depth limit like any other member', () => {
    /** The text, or null when it threw a TypeError (the depth limit's error). */
    const attempt = (f: () => string | null): string | null => {
      try {
        return f();
      } catch (err) {
        expect(err).toBeInstanceOf(TypeError);
        return null;
      }
    };
    const outcomes = new Set<string>();
    for (let n = 28; n <= 36; n++) {
      let deep: unknown = 'leaf';
      for (let i = 0; i < n; i++) deep = Object.freeze([deep]);
      // Seen alone first (one level shallower than inside a record), then inside a record.
      outcomes.add(attempt(() => canonicalJson(deep)) === null ? 'alone refused' : 'alone written');
      const event = {
        type: 'statement.intent',
        time: 't',
        approval_id: null,
        database: 'd',
        decision: 'allow',
        environment: 'e',
        in_transaction: false,
        reason: null,
        rule_id: 'r',
        session_id: 's',
        source: 'simple',
        statement_seq: 1,
        statements: deep,
        subject: 'a',
        target: 'b',
      };
      for (let twice = 0; twice < 2; twice++) {
        const generic = attempt(() => canonicalJson(event));
        expect(attempt(() => intentBody(event))).toBe(generic);
        outcomes.add(generic === null ? 'record refused' : 'record written');
      }
    }
    // The range crosses the limit, alone and inside a record.
    expect([...outcomes].sort()).toEqual([
      'alone refused',
      'alone written',
      'record refused',
      'record written',
    ]);
  });
});
