import { compilePolicy } from '../../src/policy';
import { input } from './policy-fixtures';

const write = (guardrails: string[]) =>
  input({}, { kind: 'write', command: 'DELETE', writes: ['public.orders'], guardrails });

describe('guardrail conditions', () => {
  const denyAny = { id: 'any', when: { guardrails: ['*'] }, action: 'deny' };
  const denySome = { id: 'some', when: { guardrails: ['truncate', 'drop-table'] }, action: 'deny' };
  const allowIndex = {
    id: 'ci-index',
    when: { groups: ['ci'], guardrails: ['index-without-concurrently'] },
    action: 'allow',
  };
  const rest = { id: 'rest', when: { kinds: ['write'] }, action: 'allow' };

  const cases: [string, object[], string[], string][] = [
    ['"*" matches any one guardrail', [denyAny, rest], ['tautological-where'], 'any'],
    ['"*" does not match when none fired', [denyAny, rest], [], 'rest'],
    [
      'a list matches when any listed one fired',
      [denySome, rest],
      ['tautological-where', 'drop-table'],
      'some',
    ],
    ['a list does not match others', [denySome, rest], ['tautological-where'], 'rest'],
    ['an allow list needs one to fire', [allowIndex], [], 'default-deny'],
    [
      'an allow list matches when only listed ones fired',
      [allowIndex],
      ['index-without-concurrently'],
      'ci-index',
    ],
    [
      'an allow list does not cover another guardrail that fired with it',
      [allowIndex],
      ['index-without-concurrently', 'drop-table'],
      'default-deny',
    ],
  ];

  it.each(cases)('%s', (...[, rules, fired, ruleId]) => {
    const who = { groups: ['ci'] };
    expect(
      compilePolicy(rules).evaluate({ ...write(fired), identity: { ...write(fired).identity, ...who } })
        .ruleId,
    ).toBe(ruleId);
  });

  it("names every guardrail that fired, once each, with the analyser's details", () => {
    const verdict = compilePolicy([denyAny]).evaluate(
      write(['delete-without-where', 'tautological-where', 'delete-without-where']),
    );
    expect(verdict.reason).toBe(
      'DELETE on public.orders is blocked by guardrails delete-without-where, tautological-where: DELETE without WHERE removes every row; The WHERE clause is always true',
    );
  });

  it('leaves out a detail the analyser left empty', () => {
    const i = write(['truncate']);
    const verdict = compilePolicy([denyAny]).evaluate({
      ...i,
      facts: { ...i.facts, guardrails: [{ id: 'truncate', detail: ' ' }] },
    });
    expect(verdict.reason).toBe('DELETE on public.orders is blocked by guardrail truncate');
  });

  it('names only the listed guardrails that fired', () => {
    const verdict = compilePolicy([denySome]).evaluate(write(['tautological-where', 'truncate']));
    expect(verdict.reason).toBe(
      'DELETE on public.orders is blocked by guardrail truncate: TRUNCATE removes every row',
    );
  });

  it('adds the guardrail ids to a configured reason', () => {
    const verdict = compilePolicy([
      { ...denyAny, reason: 'destructive statements need a change ticket' },
    ]).evaluate(write(['truncate']));
    expect(verdict.reason).toBe('destructive statements need a change ticket (guardrail truncate)');
  });

  it('a review on guardrails says which', () => {
    const verdict = compilePolicy([{ id: 'r', when: { guardrails: ['*'] }, action: 'review' }]).evaluate(
      write(['delete-without-where']),
    );
    expect(verdict).toEqual({
      action: 'review',
      ruleId: 'r',
      reason:
        'DELETE on public.orders requires approval because of guardrail delete-without-where: DELETE without WHERE removes every row',
    });
  });
});
