import fc from 'fast-check';
import type { StatementKind } from '../../src/analysis/statement-facts';
import { checkPolicyRules, compilePolicy, type PolicyInput } from '../../src/policy';
import { input } from './policy-fixtures';

// A deliberately naive evaluator written from docs/policy.md, with its own
// glob matcher: the compiled, indexed policy and its explain trace must agree
// with it on random rule sets and statements.

interface RawRule {
  id: string;
  when: Record<string, unknown>;
  action: 'allow' | 'deny' | 'review';
}

const KINDS: StatementKind[] = [
  'read',
  'write',
  'ddl',
  'dcl',
  'admin',
  'transaction',
  'session',
  'utility',
  'unknown',
];
const PATTERNS = ['public.*', '*.secrets', 'orders', 'vault.*', 'Audit_*', 'public.users', 'a?dit_1', '*'];
const TABLES = [
  'public.users',
  'users',
  'vault.keys',
  'secrets',
  'orders',
  'public.orders',
  'audit_1',
  'Audit_2',
  'PUBLIC.USERS',
];
const GUARDRAILS = ['truncate', 'drop-table', 'delete-without-where'];

function globRegex(glob: string, flags: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function split(name: string): [string | null, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [null, name] : [name.slice(0, dot), name.slice(dot + 1)];
}

function naiveMay(pattern: string, tableName: string): boolean {
  const [ps, pt] = split(pattern);
  const [ts, tt] = split(tableName);
  if (!globRegex(pt, 'i').test(tt)) return false;
  return ps === null || ts === null || globRegex(ps, 'i').test(ts);
}

function naiveSurely(pattern: string, tableName: string): boolean {
  const [ps, pt] = split(pattern);
  const [ts, tt] = split(tableName);
  if (!globRegex(pt, '').test(tt)) return false;
  if (ps === null || ps === '*') return true;
  return ts !== null && globRegex(ps, '').test(ts);
}

function naive(rules: RawRule[], i: PolicyInput, tables: string[]): { action: string; ruleId: string } {
  const f = i.facts;
  for (const r of rules) {
    const w = r.when as Record<string, string[] | boolean | undefined>;
    const has = (k: string, v: string) => (w[k] as string[] | undefined)?.includes(v) ?? true;
    if (!has('identities', i.identity.subject)) continue;
    if (w['groups'] && !i.identity.groups.some((g) => (w['groups'] as string[]).includes(g))) continue;
    if (
      !has('targets', i.target.name) ||
      !has('environments', i.target.environment) ||
      !has('databases', i.database)
    )
      continue;
    const guard = r.action !== 'allow';
    const kinds = w['kinds'] as string[] | undefined;
    const pats = w['tables'] as string[] | undefined;
    const grs = w['guardrails'] as string[] | undefined;
    if (f.kind === 'unknown') {
      if (w['unknown'] === false) continue;
      const names = w['unknown'] === true || (kinds?.includes('unknown') ?? false);
      if (names) {
        if (guard) return { action: r.action, ruleId: r.id };
        if (pats === undefined && grs === undefined) return { action: 'allow', ruleId: r.id };
        continue;
      }
      if (guard) return { action: 'deny', ruleId: r.id };
      continue;
    }
    if (w['unknown'] === true) continue;
    if (kinds && !kinds.includes(f.kind)) continue;
    if (pats) {
      const ok = guard
        ? tables.some((t) => pats.some((p) => naiveMay(p, t)))
        : tables.length > 0 && tables.every((t) => pats.some((p) => naiveSurely(p, t)));
      if (!ok) continue;
    }
    if (grs) {
      const fired = f.guardrails.map((g) => g.id);
      const ok = grs.includes('*')
        ? fired.length > 0
        : guard
          ? fired.some((g) => grs.includes(g))
          : fired.length > 0 && fired.every((g) => grs.includes(g));
      if (!ok) continue;
    }
    return { action: r.action, ruleId: r.id };
  }
  return { action: 'deny', ruleId: 'default-deny' };
}

const subset = <T>(xs: T[]) => fc.subarray(xs, { minLength: 1 });
const whenArb = fc.record(
  {
    identities: subset(['alice', 'bob']),
    groups: subset(['dba', 'ci', 'app']),
    targets: subset(['prod', 'stage']),
    environments: subset(['production', 'staging']),
    databases: subset(['app', 'scratch']),
    kinds: subset(KINDS),
    tables: subset(PATTERNS),
    guardrails: fc.oneof(fc.constant(['*']), subset(GUARDRAILS)),
    unknown: fc.boolean(),
  },
  { requiredKeys: [] },
);
const rulesArb = fc
  .array(
    fc.record({
      when: whenArb,
      action: fc.constantFrom('allow', 'deny', 'review') as fc.Arbitrary<RawRule['action']>,
    }),
    {
      maxLength: 8,
    },
  )
  .map((rs) => rs.map((r, i) => ({ id: `r${i}`, ...r })));
const statementArb = fc.record({
  subject: fc.constantFrom('alice', 'bob', 'carol'),
  groups: fc.subarray(['dba', 'ci', 'app', 'dev']),
  target: fc.constantFrom(['prod', 'production'], ['stage', 'staging'], ['lab', 'development']),
  database: fc.constantFrom('app', 'scratch'),
  kind: fc.constantFrom(...KINDS),
  reads: fc.subarray(TABLES, { maxLength: 3 }),
  writes: fc.subarray(TABLES, { maxLength: 2 }),
  guardrails: fc.subarray(GUARDRAILS),
});

describe('the compiled policy agrees with a naive reading of the documented semantics', () => {
  it('evaluate, explain and the oracle give the same verdict; the trace is consistent', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(statementArb, { minLength: 1, maxLength: 6 }), (rules, statements) => {
        // Rule sets validation rejects (contradictions) are out of scope here.
        fc.pre(checkPolicyRules(rules).length === 0);
        const policy = compilePolicy(rules);
        for (const s of statements) {
          const i = input(
            {
              subject: s.subject,
              groups: s.groups,
              target: s.target[0]!,
              environment: s.target[1]!,
              database: s.database,
            },
            { kind: s.kind, reads: s.reads, writes: s.writes, guardrails: s.guardrails },
          );
          const verdict = policy.evaluate(i);
          expect(policy.evaluate(i)).toEqual(verdict); // a cached scope gives the same answer
          const expected = naive(rules, i, [...s.writes, ...s.reads]);
          expect({ action: verdict.action, ruleId: verdict.ruleId }).toEqual(expected);
          const { verdict: explained, trace } = policy.explain(i);
          expect(explained).toEqual(verdict);
          expect(trace).toHaveLength(rules.length);
          const matchedAt = trace.findIndex((t) => t.outcome === 'matched');
          trace.forEach((t, k) => {
            if (matchedAt >= 0 && k > matchedAt) expect(t.outcome).toBe('not-reached');
            if (matchedAt < 0 || k < matchedAt) expect(t.outcome).toBe('no-match');
            if (t.outcome === 'matched') expect(t.conditions.every((c) => c.holds)).toBe(true);
            if (t.outcome === 'no-match') expect(t.conditions.some((c) => !c.holds)).toBe(true);
          });
        }
      }),
      { numRuns: 1000 },
    );
  });
});
