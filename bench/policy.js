#!/usr/bin/env node
// Policy evaluation cost per statement, against the built dist (run `npx tsc -b packages/sql-core`
// first).
//
//   node bench/policy.js [--n 2000000] [--rounds 5]
//
// A 20-rule policy shaped like a real one (guardrail denies, per-group and per-environment
// rules, table globs, a catch-all deny at the end). Each scenario evaluates hand-built facts
// with the identity object reused, as a session does, and reports the median of the rounds in
// ns per call. "fresh identity" builds a new identity object per call (the per-scope index is
// rebuilt every time): the worst case, for scale. explain is shown for scale too; it is not on
// the statement path.
'use strict';
const { join } = require('node:path');
const { compilePolicy } = require(join(__dirname, '../packages/sql-core/dist/policy/index.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const N = Number(arg('n', 2000000));
const ROUNDS = Number(arg('rounds', 5));

const RULES = [
  { id: 'dba-unknown', when: { groups: ['dba'], unknown: true }, action: 'allow' },
  {
    id: 'no-destruction',
    when: {
      guardrails: ['drop-table', 'drop-schema', 'truncate', 'delete-without-where', 'update-without-where'],
    },
    action: 'deny',
  },
  {
    id: 'no-injection-shapes',
    when: { guardrails: ['tautological-where', 'data-modifying-cte'] },
    action: 'deny',
  },
  {
    id: 'no-role-games',
    when: { guardrails: ['role-switch', 'privilege-change', 'system-config'] },
    action: 'deny',
  },
  {
    id: 'agents-read-only',
    when: { groups: ['agents'], kinds: ['write', 'ddl', 'dcl', 'admin'] },
    action: 'deny',
  },
  {
    id: 'no-secrets',
    when: { tables: ['*.secrets', 'vault.keys', '*_tokens'], kinds: ['read', 'write'] },
    action: 'deny',
  },
  {
    id: 'ci-ddl-prod',
    when: { groups: ['ci'], environments: ['production'], kinds: ['ddl'] },
    action: 'review',
    approvers: ['dba'],
    required: 2,
  },
  {
    id: 'ci-ddl-staging',
    when: { groups: ['ci'], environments: ['staging', 'development'], kinds: ['ddl'] },
    action: 'allow',
  },
  {
    id: 'ci-migrations-safety',
    when: { groups: ['ci'], guardrails: ['index-without-concurrently', 'set-not-null'] },
    action: 'review',
  },
  {
    id: 'payments-writes',
    when: { tables: ['billing.payments', 'billing.refunds'], kinds: ['write'] },
    action: 'review',
    approvers: ['finance'],
  },
  { id: 'dba-admin', when: { groups: ['dba'], kinds: ['admin', 'dcl', 'ddl'] }, action: 'allow' },
  {
    id: 'ops-admin-staging',
    when: { groups: ['ops'], environments: ['staging'], kinds: ['admin'] },
    action: 'allow',
  },
  { id: 'reporting-db', when: { targets: ['reporting'], kinds: ['read'] }, action: 'allow' },
  {
    id: 'analysts-reads',
    when: { groups: ['analysts'], kinds: ['read'], tables: ['analytics.*', 'public.*'] },
    action: 'allow',
  },
  { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
  {
    id: 'app-writes',
    when: { groups: ['app'], kinds: ['write'], tables: ['orders', 'order_items', 'audit_*', 'sessions'] },
    action: 'allow',
  },
  { id: 'svc-batch', when: { identities: ['svc-batch'], databases: ['warehouse'] }, action: 'allow' },
  { id: 'scratch-db', when: { databases: ['scratch'], kinds: ['write', 'ddl'] }, action: 'allow' },
  { id: 'sessions', when: { kinds: ['transaction', 'session', 'utility'] }, action: 'allow' },
  { id: 'deny-rest', when: {}, action: 'deny', reason: 'not covered by any rule' },
];

const policy = compilePolicy(RULES);
const target = { name: 'prod', engine: 'postgres', environment: 'production' };
const identity = (groups) => ({
  subject: 'alice@example.com',
  groups,
  authMethod: 'jwt',
  issuer: 'https://idp',
});
const t = (schema, name) => ({ schema, name });
const facts = (kind, command, tablesRead, tablesWritten, guardrails = []) => ({
  kind,
  command,
  tablesRead,
  tablesWritten,
  columns: [],
  functions: [],
  guardrails,
  fingerprint: 'f',
  normalized: '',
});

const SCENARIOS = [
  ['read by app (rule 15 of 20)', identity(['app']), facts('read', 'SELECT', [t('public', 'users')], [])],
  [
    'write by app, unqualified tables (rule 16)',
    identity(['app']),
    facts('write', 'INSERT', [t(null, 'orders')], [t(null, 'order_items')]),
  ],
  ['BEGIN (rule 19)', identity(['app']), facts('transaction', 'BEGIN', [], [])],
  [
    'DELETE without WHERE (guardrail deny, rule 2)',
    identity(['app']),
    facts(
      'write',
      'DELETE',
      [],
      [t('public', 'orders')],
      [{ id: 'delete-without-where', detail: 'DELETE has no WHERE clause' }],
    ),
  ],
  [
    'CI DDL on production (review, rule 7)',
    identity(['ci']),
    facts('ddl', 'ALTER TABLE', [], [t('public', 'users')]),
  ],
  ['GRANT by app (falls to deny-rest, rule 20)', identity(['app']), facts('dcl', 'GRANT', [], [])],
  ['unknown statement (deny)', identity(['app']), facts('unknown', '', [], [])],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(label, n, make) {
  const rounds = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS + 1; r++) {
    const fn = make();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += fn().ruleId.length;
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (r > 0) rounds.push(ns); // round 0 warms up
  }
  console.log(
    `${label.padEnd(52)} ${median(rounds).toFixed(0).padStart(6)} ns/call   (${sink > 0 ? 'ok' : '?'})`,
  );
}

console.log(`policy: ${RULES.length} rules, ${N} calls per round, median of ${ROUNDS} rounds`);
for (const [label, who, f] of SCENARIOS) {
  const input = { identity: who, target, database: 'app', facts: f };
  const v = policy.evaluate(input);
  bench(`${label} -> ${v.action} ${v.ruleId}`, N, () => () => policy.evaluate(input));
}
{
  const inputs = SCENARIOS.map(([, who, f]) => ({ identity: who, target, database: 'app', facts: f }));
  bench('mix of the above, round robin', N, () => {
    let i = 0;
    return () => policy.evaluate(inputs[i++ % inputs.length]);
  });
}
{
  const f = SCENARIOS[0][2];
  bench(
    'read, fresh identity object per call (worst case)',
    Math.floor(N / 10),
    () => () => policy.evaluate({ identity: identity(['app']), target, database: 'app', facts: f }),
  );
  const input = { identity: identity(['app']), target, database: 'app', facts: f };
  bench(
    'explain (not on the statement path), read',
    Math.floor(N / 20),
    () => () => policy.explain(input).verdict,
  );
}
