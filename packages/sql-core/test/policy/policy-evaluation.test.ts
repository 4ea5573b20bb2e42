import { compilePolicy, type PolicyVerdict } from '../../src/policy';
import { facts, identity, input, target, type FactsSpec, type Who } from './policy-fixtures';

/** The production setup docs/policy.md shows. */
const PRODUCTION_RULES = [
  { id: 'dba-unknown', when: { groups: ['dba'], unknown: true }, action: 'allow' },
  { id: 'no-destruction', when: { guardrails: ['*'] }, action: 'deny' },
  {
    id: 'ci-ddl-prod',
    when: { groups: ['ci'], environment: 'production', kinds: ['ddl'] },
    action: 'review',
    approvers: ['dba'],
    required: 2,
  },
  {
    id: 'ci-ddl-staging',
    when: { groups: ['ci'], environments: ['staging'], kinds: ['ddl'] },
    action: 'allow',
  },
  {
    id: 'no-secrets',
    when: { tables: ['*.secrets'], kinds: ['read', 'write'] },
    action: 'deny',
    reason: 'secrets are read through the vault service',
  },
  { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
  {
    id: 'app-writes',
    when: { groups: ['app'], kinds: ['write'], tables: ['orders', 'order_items', 'audit_*'] },
    action: 'allow',
  },
  { id: 'sessions', when: { kinds: ['transaction', 'session'] }, action: 'allow' },
];

const production = compilePolicy(PRODUCTION_RULES);

describe('evaluate: a production policy, first match wins, no match denies', () => {
  const cases: [string, Who, FactsSpec, Partial<PolicyVerdict>][] = [
    ['a read by anyone', {}, { kind: 'read', reads: ['public.users'] }, { action: 'allow', ruleId: 'reads' }],
    [
      'DELETE without WHERE',
      { groups: ['app'] },
      { kind: 'write', command: 'DELETE', writes: ['public.orders'], guardrails: ['delete-without-where'] },
      {
        action: 'deny',
        ruleId: 'no-destruction',
        reason:
          'DELETE on public.orders is blocked by guardrail delete-without-where: DELETE without WHERE removes every row',
      },
    ],
    [
      'a guardrail on a read is still denied (guardrails come before reads)',
      {},
      { kind: 'read', reads: ['public.users'], guardrails: ['tautological-where'] },
      { action: 'deny', ruleId: 'no-destruction' },
    ],
    [
      "CI DDL on production goes to review with the rule's approvers",
      { subject: 'ci-migrations', groups: ['ci'] },
      { kind: 'ddl', command: 'ALTER TABLE', writes: ['public.users'] },
      {
        action: 'review',
        ruleId: 'ci-ddl-prod',
        reason: 'ALTER TABLE on public.users requires approval',
        approvers: ['dba'],
        required: 2,
      },
    ],
    [
      'CI DDL on staging is allowed',
      { subject: 'ci-migrations', groups: ['ci'], target: 'stage', environment: 'staging' },
      { kind: 'ddl', writes: ['public.users'] },
      { action: 'allow', ruleId: 'ci-ddl-staging' },
    ],
    [
      'CI DDL that fires a guardrail is denied before review',
      { groups: ['ci'] },
      {
        kind: 'ddl',
        command: 'CREATE INDEX',
        writes: ['public.users'],
        guardrails: ['index-without-concurrently'],
      },
      { action: 'deny', ruleId: 'no-destruction' },
    ],
    [
      'DDL by someone else: no rule allows it',
      { subject: 'bob', groups: ['dev'] },
      { kind: 'ddl', command: 'DROP INDEX', writes: ['public.users_email_idx'] },
      {
        action: 'deny',
        ruleId: 'default-deny',
        reason: 'no policy rule allows DROP INDEX on public.users_email_idx for bob on target prod',
      },
    ],
    [
      'a read of secrets, qualified',
      {},
      { kind: 'read', reads: ['billing.secrets'] },
      { action: 'deny', ruleId: 'no-secrets', reason: 'secrets are read through the vault service' },
    ],
    [
      'a read of secrets, unqualified (deny matches unqualified names broadly)',
      {},
      { kind: 'read', reads: ['secrets'] },
      { action: 'deny', ruleId: 'no-secrets' },
    ],
    [
      'a join that touches secrets among other tables',
      {},
      { kind: 'read', reads: ['public.users', 'app.SECRETS'] },
      { action: 'deny', ruleId: 'no-secrets' },
    ],
    [
      'an app write to an unqualified listed table',
      { groups: ['app'] },
      { kind: 'write', writes: ['orders'] },
      { action: 'allow', ruleId: 'app-writes' },
    ],
    [
      'an app write to listed tables in any schema, reading another listed one',
      { groups: ['app'] },
      { kind: 'write', writes: ['public.order_items', 'audit_2024'], reads: ['shop.orders'] },
      { action: 'allow', ruleId: 'app-writes' },
    ],
    [
      'an app write that also touches an unlisted table (allow needs every table)',
      { groups: ['app'] },
      { kind: 'write', command: 'UPDATE', writes: ['public.orders'], reads: ['public.users'] },
      {
        action: 'deny',
        ruleId: 'default-deny',
        reason: 'no policy rule allows UPDATE on public.orders, public.users for alice on target prod',
      },
    ],
    [
      'an app write whose table differs only in case (allow compares case exactly)',
      { groups: ['app'] },
      { kind: 'write', writes: ['Orders'] },
      { action: 'deny', ruleId: 'default-deny' },
    ],
    [
      'a write by someone outside app',
      { groups: ['dev'] },
      { kind: 'write', writes: ['orders'] },
      { action: 'deny', ruleId: 'default-deny' },
    ],
    ['BEGIN', {}, { kind: 'transaction' }, { action: 'allow', ruleId: 'sessions' }],
    ['SET', {}, { kind: 'session' }, { action: 'allow', ruleId: 'sessions' }],
    [
      'GRANT: nothing allows dcl',
      {},
      { kind: 'dcl', command: 'GRANT' },
      {
        action: 'deny',
        ruleId: 'default-deny',
        reason: 'no policy rule allows GRANT for alice on target prod',
      },
    ],
    [
      'an unanalysed statement from a DBA (the unknown rule comes first)',
      { groups: ['dba'] },
      { kind: 'unknown', unknownReason: 'DO block' },
      { action: 'allow', ruleId: 'dba-unknown' },
    ],
    [
      'an unanalysed statement from anyone else is stopped by the first deny rule that cannot rule it out',
      {},
      { kind: 'unknown' },
      {
        action: 'deny',
        ruleId: 'no-destruction',
        reason: 'the statement could not be analysed and may be what this rule denies',
      },
    ],
    [
      'a kind outside the closed set is treated as unknown',
      {},
      { kind: 'mystery' },
      { action: 'deny', ruleId: 'no-destruction' },
    ],
    [
      "a DBA's known statement with a guardrail is still denied",
      { groups: ['dba'] },
      { kind: 'ddl', command: 'DROP TABLE', writes: ['public.t'], guardrails: ['drop-table'] },
      { action: 'deny', ruleId: 'no-destruction' },
    ],
  ];

  it.each(cases)('%s', (...[, who, statement, expected]) => {
    expect(production.evaluate(input(who, statement))).toMatchObject(expected);
  });

  it('gives allow verdicts no approvers, and review verdicts only what the rule says', () => {
    expect(production.evaluate(input({}, { kind: 'read' }))).toEqual({
      action: 'allow',
      ruleId: 'reads',
      reason: 'allowed by rule reads',
    });
    const plain = compilePolicy([{ id: 'r', when: {}, action: 'review' }]).evaluate(
      input({}, { kind: 'write' }),
    );
    expect(plain).toEqual({ action: 'review', ruleId: 'r', reason: 'INSERT requires approval' });
  });

  it('carries grant from a review rule into its verdicts, known and unknown statements alike', () => {
    const policy = compilePolicy([
      { id: 'ci-retry', when: { groups: ['ci'], unknown: true }, action: 'review', grant: true },
      { id: 'ci', when: { groups: ['ci'] }, action: 'review', grant: true, reason: 'CI changes need a DBA' },
      { id: 'others', when: {}, action: 'review', grant: false },
    ]);
    expect(policy.rules[1]).toMatchObject({ id: 'ci', action: 'review', grant: true });
    expect(policy.evaluate(input({ groups: ['ci'] }, { kind: 'write' }))).toEqual({
      action: 'review',
      ruleId: 'ci',
      reason: 'CI changes need a DBA',
      grant: true,
    });
    expect(policy.evaluate(input({ groups: ['ci'] }, { kind: 'unknown' }))).toMatchObject({
      action: 'review',
      ruleId: 'ci-retry',
      grant: true,
    });
    expect(policy.evaluate(input({ groups: ['dev'] }, { kind: 'write' }))).toEqual({
      action: 'review',
      ruleId: 'others',
      reason: 'INSERT requires approval',
      grant: false,
    });
    expect(policy.explain(input({ groups: ['ci'] }, { kind: 'write' })).verdict.grant).toBe(true);
  });
});

describe('first match wins', () => {
  const allowReads = { id: 'reads', when: { kinds: ['read'] }, action: 'allow' };
  const denyUsers = { id: 'no-users', when: { tables: ['public.users'] }, action: 'deny' };
  const read = input({}, { kind: 'read', reads: ['public.users'] });

  it('an allow before a deny allows', () => {
    expect(compilePolicy([allowReads, denyUsers]).evaluate(read).ruleId).toBe('reads');
  });

  it('a deny before an allow denies', () => {
    expect(compilePolicy([denyUsers, allowReads]).evaluate(read).ruleId).toBe('no-users');
  });

  it('a rule whose scope does not hold is passed over for the next', () => {
    const policy = compilePolicy([
      { ...denyUsers, when: { ...denyUsers.when, groups: ['contractors'] } },
      allowReads,
    ]);
    expect(policy.evaluate(read).ruleId).toBe('reads');
    expect(
      policy.evaluate(input({ groups: ['contractors'] }, { kind: 'read', reads: ['public.users'] })).ruleId,
    ).toBe('no-users');
  });
});

describe('default deny', () => {
  it('denies everything when there are no rules', () => {
    const policy = compilePolicy([]);
    expect(policy.evaluate(input({}, { kind: 'read', reads: ['public.users'] }))).toEqual({
      action: 'deny',
      ruleId: 'default-deny',
      reason: 'no policy rule allows SELECT on public.users for alice on target prod',
    });
    expect(policy.evaluate(input({}, { kind: 'unknown' }))).toEqual({
      action: 'deny',
      ruleId: 'default-deny',
      reason: 'the statement could not be analysed and no policy rule allows unknown statements',
    });
  });

  it('names at most three tables', () => {
    const reason = compilePolicy([]).evaluate(
      input({}, { kind: 'read', command: 'SELECT', reads: ['a.t1', 'a.t2', 'a.t3', 'a.t4', 'a.t5'] }),
    ).reason;
    expect(reason).toBe(
      'no policy rule allows SELECT on a.t1, a.t2, a.t3 and 2 more for alice on target prod',
    );
  });
});

describe('who and where', () => {
  const policy = compilePolicy([
    { id: 'by-subject', when: { identities: ['carol'] }, action: 'allow' },
    { id: 'by-group', when: { groups: ['ops', 'sre'] }, action: 'allow' },
    { id: 'by-target', when: { targets: ['reporting'] }, action: 'allow' },
    { id: 'by-environment', when: { environments: ['development'] }, action: 'allow' },
    { id: 'by-database', when: { databases: ['scratch'] }, action: 'allow' },
  ]);
  const cases: [string, Who, string][] = [
    ['subject', { subject: 'carol' }, 'by-subject'],
    ['subject is exact', { subject: 'Carol' }, 'default-deny'],
    ['any one group', { groups: ['dev', 'sre'] }, 'by-group'],
    ['no group in common', { groups: ['dev'] }, 'default-deny'],
    ['target name', { target: 'reporting' }, 'by-target'],
    ['environment', { target: 'local', environment: 'development' }, 'by-environment'],
    ['upstream database', { database: 'scratch' }, 'by-database'],
    [
      'none',
      { subject: 'dave', groups: [], target: 'prod', environment: 'production', database: 'app' },
      'default-deny',
    ],
  ];
  it.each(cases)('%s', (...[, who, ruleId]) => {
    expect(policy.evaluate(input(who, { kind: 'write' })).ruleId).toBe(ruleId);
  });

  it('every condition must hold (AND), any element of a list may (OR)', () => {
    const p = compilePolicy([
      { id: 'both', when: { groups: ['ci'], environments: ['staging', 'development'] }, action: 'allow' },
    ]);
    expect(p.evaluate(input({ groups: ['ci'], environment: 'development' }, { kind: 'ddl' })).ruleId).toBe(
      'both',
    );
    expect(p.evaluate(input({ groups: ['ci'], environment: 'production' }, { kind: 'ddl' })).ruleId).toBe(
      'default-deny',
    );
    expect(p.evaluate(input({ groups: ['dev'], environment: 'staging' }, { kind: 'ddl' })).ruleId).toBe(
      'default-deny',
    );
  });
});

describe("the scope cache never serves one identity another's rules", () => {
  const policy = compilePolicy([
    { id: 'dba', when: { groups: ['dba'] }, action: 'allow' },
    { id: 'staging', when: { targets: ['staging'] }, action: 'allow' },
    { id: 'scratch', when: { databases: ['scratch'] }, action: 'allow' },
  ]);

  it('re-checks a reused identity object whose groups changed', () => {
    const groups = ['dba'];
    const who = identity('alice', groups);
    const at = (database = 'app') => ({
      identity: who,
      target: target(),
      database,
      facts: facts({ kind: 'write' }),
    });
    expect(policy.evaluate(at()).ruleId).toBe('dba');
    groups[0] = 'dev';
    expect(policy.evaluate(at()).ruleId).toBe('default-deny');
    groups.push('dba');
    expect(policy.evaluate(at()).ruleId).toBe('dba');
  });

  it('keeps targets and databases of one identity apart', () => {
    const who = identity('alice', ['dev']);
    const run = (t: string, database: string) =>
      policy.evaluate({ identity: who, target: target(t, 'x'), database, facts: facts({ kind: 'write' }) })
        .ruleId;
    for (let i = 0; i < 3; i++) {
      expect(run('prod', 'app')).toBe('default-deny');
      expect(run('staging', 'app')).toBe('staging');
      expect(run('prod', 'scratch')).toBe('scratch');
    }
    // More scopes than one identity keeps: older ones are rebuilt, not confused.
    for (let i = 0; i < 20; i++) expect(run('prod', `db${i}`)).toBe('default-deny');
    expect(run('staging', 'app')).toBe('staging');
  });
});

describe('malformed input fails closed by throwing (the pipeline turns a throw into a denial)', () => {
  const policy = compilePolicy([{ id: 'all', when: {}, action: 'allow' }]);
  const good = input({}, { kind: 'read' });
  const cases: [string, object][] = [
    ['groups missing', { ...good, identity: { subject: 'a' } }],
    ['groups not strings', { ...good, identity: { subject: 'a', groups: [1] } }],
    ['subject missing', { ...good, identity: { groups: [] } }],
    ['target missing', { ...good, target: undefined }],
    ['environment missing', { ...good, target: { name: 'prod' } }],
    ['database missing', { ...good, database: undefined }],
  ];
  it.each(cases)('%s', (...[, bad]) => {
    expect(() => policy.evaluate(bad as never)).toThrow(TypeError);
    expect(() => policy.explain(bad as never)).toThrow(TypeError);
  });
});

describe('reasons carry no literal values', () => {
  it("never echoes the normalised text or the analyser's unknown reason", () => {
    const policy = compilePolicy([
      { id: 'g', when: { guardrails: ['*'] }, action: 'deny' },
      { id: 'w', when: { kinds: ['write'] }, action: 'review' },
    ]);
    const sentinel = {
      normalized: "DELETE FROM t WHERE x = 'hunter2'",
      unknownReason: 'syntax error at or near "hunter2"',
    };
    const verdicts = [
      policy.evaluate({
        ...input({}, { kind: 'write', guardrails: ['truncate'] }),
        facts: { ...facts({ kind: 'write', guardrails: ['truncate'] }), ...sentinel },
      }),
      policy.evaluate({
        ...input({}, { kind: 'write' }),
        facts: { ...facts({ kind: 'write' }), ...sentinel },
      }),
      policy.evaluate({
        ...input({}, { kind: 'unknown' }),
        facts: { ...facts({ kind: 'unknown' }), ...sentinel },
      }),
      compilePolicy([]).evaluate({
        ...input({}, { kind: 'unknown' }),
        facts: { ...facts({ kind: 'unknown' }), ...sentinel },
      }),
    ];
    for (const v of verdicts) expect(v.reason).not.toContain('hunter2');
  });
});
