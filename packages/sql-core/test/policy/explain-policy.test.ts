import { compilePolicy, explainPolicy, formatPolicyExplanation } from '../../src/policy';
import { input } from './policy-fixtures';

const rules = [
  { id: 'dba-unknown', when: { groups: ['dba'], unknown: true }, action: 'allow' },
  { id: 'no-destruction', when: { guardrails: ['*'] }, action: 'deny' },
  {
    id: 'ci-ddl-prod',
    when: { groups: ['ci'], environments: ['production'], kinds: ['ddl'] },
    action: 'review',
  },
  {
    id: 'app-writes',
    when: { groups: ['app'], kinds: ['write'], tables: ['public.orders'] },
    action: 'allow',
  },
  { id: 'reads', when: { kinds: ['read'] }, action: 'allow' },
];
const policy = compilePolicy(rules);

describe('explainPolicy', () => {
  it('gives the verdict and, for each rule, whether it was considered and why it did or did not match', () => {
    const explanation = explainPolicy(
      policy,
      input(
        { groups: ['dev'] },
        { kind: 'write', command: 'DELETE', writes: ['public.orders'], guardrails: ['delete-without-where'] },
      ),
    );
    expect(explanation.verdict).toEqual(
      policy.evaluate(
        input(
          { groups: ['dev'] },
          {
            kind: 'write',
            command: 'DELETE',
            writes: ['public.orders'],
            guardrails: ['delete-without-where'],
          },
        ),
      ),
    );
    expect(explanation.trace).toEqual([
      {
        index: 0,
        ruleId: 'dba-unknown',
        action: 'allow',
        outcome: 'no-match',
        conditions: [
          { condition: 'groups', holds: false, detail: 'groups [dev] include none of dba' },
          {
            condition: 'unknown',
            holds: false,
            detail:
              'the statement was analysed (kind write); this rule only matches statements that could not be analysed',
          },
        ],
      },
      {
        index: 1,
        ruleId: 'no-destruction',
        action: 'deny',
        outcome: 'matched',
        conditions: [
          { condition: 'guardrails', holds: true, detail: 'guardrail delete-without-where fired' },
        ],
      },
      { index: 2, ruleId: 'ci-ddl-prod', action: 'review', outcome: 'not-reached', conditions: [] },
      { index: 3, ruleId: 'app-writes', action: 'allow', outcome: 'not-reached', conditions: [] },
      { index: 4, ruleId: 'reads', action: 'allow', outcome: 'not-reached', conditions: [] },
    ]);
  });

  it('shows every failing condition of a rule, not just the first', () => {
    const { trace, verdict } = policy.explain(
      input({ groups: ['dev'], environment: 'staging' }, { kind: 'ddl', writes: ['public.t'] }),
    );
    expect(verdict.ruleId).toBe('default-deny');
    expect(trace[2]!.conditions).toEqual([
      { condition: 'groups', holds: false, detail: 'groups [dev] include none of ci' },
      { condition: 'environments', holds: false, detail: 'environment staging is not one of production' },
      { condition: 'kinds', holds: true, detail: 'kind ddl is listed' },
    ]);
    expect(trace.every((t) => t.outcome === 'no-match')).toBe(true);
  });

  it('explains why an allow did not cover an unqualified table', () => {
    const { trace } = policy.explain(input({ groups: ['app'] }, { kind: 'write', writes: ['orders'] }));
    expect(trace[3]!.conditions.find((c) => c.condition === 'tables')).toEqual({
      condition: 'tables',
      holds: false,
      detail:
        'orders matches none of public.orders; it is unqualified and may resolve to any schema, so an allow rule matches it only with a pattern such as orders or *.orders (an allow rule needs every table to match)',
    });
  });

  it('explains a deny that caught an unqualified name', () => {
    const p = compilePolicy([{ id: 'no-vault', when: { tables: ['vault.*'] }, action: 'deny' }]);
    expect(p.explain(input({}, { kind: 'read', reads: ['keys'] })).trace[0]!.conditions).toEqual([
      {
        condition: 'tables',
        holds: true,
        detail: 'keys matches vault.* (an unqualified name may resolve to any schema on the search path)',
      },
    ]);
  });

  it('explains unknown statements, with a note when a review rule denies', () => {
    const p = compilePolicy([
      { id: 'all', when: {}, action: 'allow' },
      { id: 'prod', when: { environments: ['production'] }, action: 'review' },
    ]);
    const { verdict, trace } = p.explain(input({}, { kind: 'unknown' }));
    expect(verdict).toMatchObject({ action: 'deny', ruleId: 'prod' });
    expect(trace).toEqual([
      {
        index: 0,
        ruleId: 'all',
        action: 'allow',
        outcome: 'no-match',
        conditions: [
          {
            condition: 'unanalysed',
            holds: false,
            detail:
              'the statement could not be analysed; an allow rule does not match it unless it names unknown statements (unknown: true or kinds: [unknown])',
          },
        ],
      },
      {
        index: 1,
        ruleId: 'prod',
        action: 'review',
        outcome: 'matched',
        conditions: [
          { condition: 'environments', holds: true, detail: 'environment production is listed' },
          {
            condition: 'unanalysed',
            holds: true,
            detail: 'the statement could not be analysed; a deny or review rule treats it as matching',
          },
        ],
        note: 'a review rule that does not name unknown statements denies them instead of sending them for approval',
      },
    ]);
  });

  it('is JSON-safe for POST /v1/explain', () => {
    const explanation = policy.explain(input({}, { kind: 'read', reads: ['public.users'] }));
    expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation);
  });

  it('formats as text for gatehouse explain', () => {
    const text = formatPolicyExplanation(
      policy.explain(
        input({ groups: ['ci'] }, { kind: 'ddl', command: 'CREATE TABLE', writes: ['public.t'] }),
      ),
    );
    expect(text).toBe(
      [
        'decision: review (rule ci-ddl-prod)',
        'reason:   CREATE TABLE on public.t requires approval',
        'rules:',
        '  [0] dba-unknown     allow   no match',
        '        - groups: groups [ci] include none of dba',
        '        - unknown: the statement was analysed (kind ddl); this rule only matches statements that could not be analysed',
        '  [1] no-destruction  deny    no match',
        '        - guardrails: no guardrail fired',
        '  [2] ci-ddl-prod     review  matched',
        '        + groups: groups include ci',
        '        + environments: environment production is listed',
        '        + kinds: kind ddl is listed',
        '  [3] app-writes      allow   not reached',
        '  [4] reads           allow   not reached',
      ].join('\n'),
    );
  });

  it('formats a default deny', () => {
    const text = formatPolicyExplanation(compilePolicy([]).explain(input({}, { kind: 'read' })));
    expect(text).toBe(
      [
        'decision: deny (rule default-deny)',
        'reason:   no policy rule allows SELECT for alice on target prod',
        'rules:    (none configured)',
        'no rule matched, so the statement is denied (default-deny)',
      ].join('\n'),
    );
  });
});
