import { compilePolicy, PolicyConfigError, type CompiledPolicy } from '../../src/policy';
import { input } from './policy-fixtures';

describe('compile and reload', () => {
  const rules = [
    { id: 'reads', when: { kinds: ['read'], tables: ['public.*'] }, action: 'allow' },
    { id: 'ddl', when: { kinds: ['ddl'] }, action: 'review', approvers: ['dba'] },
  ];

  it('returns a new, deeply frozen policy each time', () => {
    const a = compilePolicy(rules);
    const b = compilePolicy(rules);
    expect(a).not.toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.rules)).toBe(true);
    for (const r of a.rules) {
      expect(Object.isFrozen(r)).toBe(true);
      expect(Object.isFrozen(r.when)).toBe(true);
      for (const v of Object.values(r.when)) if (Array.isArray(v)) expect(Object.isFrozen(v)).toBe(true);
    }
    expect(Object.isFrozen(a.rules[1]!.approvers)).toBe(true);
    expect(() => (a.rules as unknown[]).push({})).toThrow(TypeError);
    expect(() => {
      (a.rules[0]!.when.kinds as string[])[0] = 'write';
    }).toThrow(TypeError);
  });

  it('keeps the rules as validated plain data, with their positions', () => {
    expect(compilePolicy(rules).rules).toEqual([
      { index: 0, id: 'reads', when: { kinds: ['read'], tables: ['public.*'] }, action: 'allow' },
      { index: 1, id: 'ddl', when: { kinds: ['ddl'] }, action: 'review', approvers: ['dba'] },
    ]);
  });

  it('is not affected by later changes to the config data it was given', () => {
    const data = JSON.parse(JSON.stringify(rules)) as typeof rules;
    const policy = compilePolicy(data);
    data[0]!.when.kinds[0] = 'write';
    data[0]!.action = 'deny';
    data.pop();
    expect(policy.evaluate(input({}, { kind: 'read', reads: ['public.t'] })).ruleId).toBe('reads');
    expect(policy.evaluate(input({}, { kind: 'ddl' })).ruleId).toBe('ddl');
  });

  it('a bad reload throws with every problem and leaves the running policy as it was', () => {
    let running: CompiledPolicy = compilePolicy(rules);
    const reload = (next: unknown): string[] => {
      try {
        running = compilePolicy(next);
        return [];
      } catch (err) {
        if (!(err instanceof PolicyConfigError)) throw err;
        return err.issues.map((i) => i.text);
      }
    };
    const problems = reload([
      { id: 'reads', when: { kinds: ['select'] }, action: 'allow' },
      { id: 'reads', when: {}, action: 'permit' },
    ]);
    expect(problems).toHaveLength(3);
    expect(running.evaluate(input({}, { kind: 'read', reads: ['public.t'] })).ruleId).toBe('reads');
    expect(reload([{ id: 'all-reads', when: { kinds: ['read'] }, action: 'allow' }])).toEqual([]);
    expect(running.evaluate(input({}, { kind: 'read', reads: ['x.t'] })).ruleId).toBe('all-reads');
  });
});
