import pino from 'pino';
import { createPostgresAnalyser, type PostgresAnalyser } from '../analysis';
import { session } from '../audit/testing/audit-fixtures';
import { compilePolicy } from '../policy';
import { PreparedStatements } from '../session/prepared-statements';
import type { Decision } from './decision';
import { Pipeline } from './pipeline';
import type { StatementEvent } from './statement-event';

const logger = pino({ level: 'silent' });

const RULES = [
  { id: 'no-guardrails', when: { guardrails: ['*'] }, action: 'deny' },
  { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
  { id: 'utilities', when: { kinds: ['session', 'utility'] }, action: 'allow' },
];

/**
 * SQL-level PREPARE, EXECUTE and DEALLOCATE in one simple-query string: the
 * server runs them in order, so an EXECUTE is judged as the statement its
 * name holds at that point of the string, never as an older one, and a
 * statement prepared in the string is judged at its PREPARE too.
 */
describe('PREPARE / EXECUTE / DEALLOCATE in one string', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser();
  });

  const pipeline = () =>
    new Pipeline({
      analysers: { postgres: analyser },
      policy: compilePolicy(RULES),
      logger,
      audit: null,
      approvals: null,
    });

  let seq = 0;
  const event = (sql: string, prepared: PreparedStatements | undefined): StatementEvent => ({
    session: session({ logger }),
    seq: ++seq,
    sql,
    source: 'simple',
    inTransaction: false,
    ...(prepared ? { prepared } : {}),
  });

  const judge = (sql: string, prepared?: PreparedStatements) => {
    const p = pipeline();
    const decision = p.onStatement(event(sql, prepared)) as Decision;
    const { statements } = p.decide(event(sql, prepared));
    return { decision, kinds: statements.map((s) => s.kind) };
  };

  // [string, decision, rule, kinds of each statement]
  const TABLE: [string, 'allow' | 'deny', string, string[]][] = [
    ['prepare q as select * from t; execute q', 'allow', 'reads', ['read', 'read']],
    [
      'prepare q as select * from t where id = $1; execute q(1); execute q(2)',
      'allow',
      'reads',
      ['read', 'read', 'read'],
    ],
    // The EXECUTE carries the DELETE's facts, so it is judged (and denied) as the DELETE.
    ['prepare d as delete from t; execute d', 'deny', 'no-guardrails', ['write', 'write']],
    ['prepare d as update t set a = 1 where id = 2; execute d', 'deny', 'default-deny', ['write', 'write']],
    // Deallocated earlier in the string: the server would refuse it, and the gateway cannot tell what it runs.
    [
      'prepare q as select 1; deallocate q; execute q',
      'deny',
      'no-guardrails',
      ['read', 'utility', 'unknown'],
    ],
    [
      'prepare q as select 1; deallocate all; execute q',
      'deny',
      'no-guardrails',
      ['read', 'utility', 'unknown'],
    ],
    [
      'prepare q as select 1; discard all; execute q',
      'deny',
      'no-guardrails',
      ['read', 'session', 'unknown'],
    ],
    // Prepared again after DEALLOCATE: the later definition counts.
    [
      'prepare q as select 1; deallocate q; prepare q as delete from t; execute q',
      'deny',
      'no-guardrails',
      ['read', 'utility', 'write', 'write'],
    ],
    // An EXECUTE before the PREPARE of its name, with nothing prepared before: unknown.
    ['execute q; prepare q as select 1', 'deny', 'no-guardrails', ['unknown', 'read']],
    // EXPLAIN EXECUTE resolves the same way.
    ['prepare q as select * from t; explain execute q', 'allow', 'reads', ['read', 'utility']],
    ['prepare q as delete from t; explain analyze execute q', 'deny', 'no-guardrails', ['write', 'write']],
  ];

  it.each(TABLE)('%s -> %s (%s)', (sql, action, ruleId, kinds) => {
    for (const prepared of [new PreparedStatements(), undefined]) {
      const { decision, kinds: got } = judge(sql, prepared);
      expect(got).toEqual(kinds);
      expect(decision).toMatchObject({ action, ruleId });
    }
  });

  it('an allowed string leaves its prepared statements for later strings; a denied one leaves nothing', () => {
    const p = pipeline();
    const prepared = new PreparedStatements();
    expect(p.onStatement(event('prepare d as delete from t; execute d', prepared))).toMatchObject({
      action: 'deny',
    });
    expect(prepared.size).toBe(0);
    expect(p.onStatement(event('prepare q as select * from t; execute q', prepared))).toMatchObject({
      action: 'allow',
    });
    expect(p.onStatement(event('execute q', prepared))).toMatchObject({ action: 'allow', ruleId: 'reads' });
    expect(p.onStatement(event('deallocate q; execute q', prepared))).toMatchObject({ action: 'deny' });
    // Denied as a whole: the DEALLOCATE did not run, so q is still what the session prepared.
    expect(prepared.lookup('q')?.kind).toBe('read');
  });

  it('a session statement replaced in the string is judged as its new definition', () => {
    const p = pipeline();
    const prepared = new PreparedStatements();
    p.onStatement(event('prepare q as select * from t', prepared));
    // Without DEALLOCATE the server refuses the second PREPARE; with it, EXECUTE runs the DELETE.
    expect(
      p.onStatement(event('deallocate q; prepare q as delete from t where a = 1; execute q', prepared)),
    ).toMatchObject({ action: 'deny', ruleId: 'default-deny' });
    expect(p.decide(event('deallocate q; execute q', prepared)).statements.map((s) => s.kind)).toEqual([
      'utility',
      'unknown',
    ]);
    expect(p.decide(event('execute q', prepared)).statements.map((s) => s.kind)).toEqual(['read']);
  });
});
