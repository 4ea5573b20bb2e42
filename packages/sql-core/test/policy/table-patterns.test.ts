import type { TableRef } from '../../src/analysis/statement-facts';
import { compilePolicy } from '../../src/policy';
import {
  compileTableGlob,
  tableMayMatch,
  tableSurelyMatches,
  type TableGlob,
} from '../../src/policy/table-glob';
import { input, table } from './policy-fixtures';

function glob(pattern: string): TableGlob {
  const g = compileTableGlob(pattern);
  if ('error' in g) throw new Error(g.error);
  return g;
}

describe('table patterns', () => {
  // pattern, table, deny/review (may match), allow (surely matches)
  const cases: [string, string, boolean, boolean][] = [
    ['public.users', 'public.users', true, true],
    ['public.users', 'public.user', false, false],
    ['public.users', 'app.users', false, false],
    ['public.users', 'users', true, false], // unqualified: may be public.users, may not
    ['public.users', 'PUBLIC.Users', true, false], // case: guard ignores it, allow does not
    ['public.*', 'public.orders', true, true],
    ['public.*', 'orders', true, false],
    ['public.*', 'audit.orders', false, false],
    ['*.secrets', 'vault.secrets', true, true],
    ['*.secrets', 'secrets', true, true], // `*.` accepts every schema, so unqualified is certain
    ['*.secrets', 'secrets_old', false, false],
    ['secrets', 'vault.secrets', true, true], // no schema part: every schema
    ['secrets', 'secrets', true, true],
    ['audit_*', 'audit_2024', true, true],
    ['audit_*', 'public.audit_', true, true],
    ['audit_*', 'public.audit', false, false],
    ['audit_*', 'AUDIT_X', true, false],
    ['*_log', 'app.access_log', true, true],
    ['*_log', 'app.log', false, false],
    ['t?', 't1', true, true],
    ['t?', 't12', false, false],
    ['a*b*c', 'axxbyyc', true, true],
    ['a*b*c', 'axxbyy', false, false],
    ['app_*.t_*', 'app_eu.t_1', true, true],
    ['app_*.t_*', 'app.t_1', false, false],
    ['app_*.t_*', 't_1', true, false],
    ['*', 'anything', true, true],
    ['*', 'x.anything', true, true],
    ['*.*', 'x.anything', true, true],
    ['$tbl', '$tbl', true, true], // `$` is literal
    ['a$', 'ab', false, false],
    ['ü*', 'übung', true, true],
  ];

  it.each(cases)('%s against %s: deny/review %s, allow %s', (...[pattern, name, may, surely]) => {
    const t: TableRef = table(name);
    expect(tableMayMatch(glob(pattern), t)).toBe(may);
    expect(tableSurelyMatches(glob(pattern), t)).toBe(surely);
  });
});

describe('tables in rules', () => {
  it('a deny on a schema catches every unqualified name (it may resolve there)', () => {
    const policy = compilePolicy([
      { id: 'no-vault', when: { tables: ['vault.*'] }, action: 'deny' },
      { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
    ]);
    expect(policy.evaluate(input({}, { kind: 'read', reads: ['orders'] })).ruleId).toBe('no-vault');
    expect(policy.evaluate(input({}, { kind: 'read', reads: ['public.orders'] })).ruleId).toBe('reads');
  });

  it('an allow names what it allows: public.orders does not allow an unqualified orders', () => {
    const policy = compilePolicy([{ id: 'orders', when: { tables: ['public.orders'] }, action: 'allow' }]);
    expect(policy.evaluate(input({}, { kind: 'write', writes: ['public.orders'] })).ruleId).toBe('orders');
    expect(policy.evaluate(input({}, { kind: 'write', writes: ['orders'] })).ruleId).toBe('default-deny');
  });

  it('an allow with tables needs the statement to touch one', () => {
    const policy = compilePolicy([{ id: 'orders', when: { tables: ['*'] }, action: 'allow' }]);
    expect(policy.evaluate(input({}, { kind: 'read', command: 'SELECT' })).ruleId).toBe('default-deny');
    expect(policy.evaluate(input({}, { kind: 'read', reads: ['t'] })).ruleId).toBe('orders');
  });

  it('a deny with tables matches tables read as well as written', () => {
    const policy = compilePolicy([
      { id: 'no-users', when: { tables: ['public.users'] }, action: 'deny' },
      { id: 'all', when: {}, action: 'allow' },
    ]);
    expect(
      policy.evaluate(input({}, { kind: 'write', writes: ['public.t'], reads: ['public.users'] })).ruleId,
    ).toBe('no-users');
    expect(policy.evaluate(input({}, { kind: 'write', writes: ['public.users'] })).ruleId).toBe('no-users');
    expect(policy.evaluate(input({}, { kind: 'write', writes: ['public.t'] })).ruleId).toBe('all');
  });

  it('a review with tables is guarding too: unqualified names match broadly', () => {
    const policy = compilePolicy([
      { id: 'payments', when: { tables: ['billing.payments'], kinds: ['write'] }, action: 'review' },
      { id: 'all', when: {}, action: 'allow' },
    ]);
    expect(policy.evaluate(input({}, { kind: 'write', writes: ['payments'] })).ruleId).toBe('payments');
  });
});
