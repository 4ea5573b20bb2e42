import { compilePolicy } from '../../src/policy';
import { input } from './policy-fixtures';

// A statement analysis could not understand is denied unless a rule names
// unknown statements. Rules that do not name them: allow rules never match
// them; deny and review rules cannot rule them out, so they stop them (deny).

const unknown = (who = {}) => input(who, { kind: 'unknown', unknownReason: 'DO block' });

describe('unknown statements', () => {
  const cases: [string, object[], object, string, string][] = [
    [
      'a catch-all allow does not allow them',
      [{ id: 'all', when: {}, action: 'allow' }],
      {},
      'deny',
      'default-deny',
    ],
    [
      'an allow of every kind but unknown does not allow them',
      [
        {
          id: 'kinds',
          when: { kinds: ['read', 'write', 'ddl', 'dcl', 'admin', 'transaction', 'session', 'utility'] },
          action: 'allow',
        },
      ],
      {},
      'deny',
      'default-deny',
    ],
    ['unknown: true allows them', [{ id: 'u', when: { unknown: true }, action: 'allow' }], {}, 'allow', 'u'],
    [
      'kinds: [unknown] allows them',
      [{ id: 'u', when: { kinds: ['unknown'] }, action: 'allow' }],
      {},
      'allow',
      'u',
    ],
    [
      'kinds: [read, unknown] allows them (and reads)',
      [{ id: 'u', when: { kinds: ['read', 'unknown'] }, action: 'allow' }],
      {},
      'allow',
      'u',
    ],
    [
      'an unknown allow for another group does not apply',
      [{ id: 'u', when: { groups: ['dba'], unknown: true }, action: 'allow' }],
      { groups: ['dev'] },
      'deny',
      'default-deny',
    ],
    [
      'an allow that names unknown but also requires tables never matches them',
      [{ id: 'u', when: { kinds: ['read', 'unknown'], tables: ['public.*'] }, action: 'allow' }],
      {},
      'deny',
      'default-deny',
    ],
    [
      'a deny with a guardrail condition stops them before a later unknown allow',
      [
        { id: 'g', when: { guardrails: ['*'] }, action: 'deny' },
        { id: 'u', when: { unknown: true }, action: 'allow' },
      ],
      {},
      'deny',
      'g',
    ],
    [
      'a deny scoped to a kind stops them too (it may be that kind)',
      [
        { id: 'no-ddl', when: { groups: ['analysts'], kinds: ['ddl'] }, action: 'deny' },
        { id: 'u', when: { groups: ['analysts'], unknown: true }, action: 'allow' },
      ],
      { groups: ['analysts'] },
      'deny',
      'no-ddl',
    ],
    [
      'a deny with tables stops them (they may touch those tables)',
      [
        { id: 'no-vault', when: { tables: ['vault.*'] }, action: 'deny' },
        { id: 'u', when: { unknown: true }, action: 'allow' },
      ],
      {},
      'deny',
      'no-vault',
    ],
    [
      'a deny whose who/where does not hold lets them pass to later rules',
      [
        { id: 'contractors', when: { groups: ['contractors'] }, action: 'deny' },
        { id: 'u', when: { unknown: true }, action: 'allow' },
      ],
      { groups: ['dba'] },
      'allow',
      'u',
    ],
    [
      'a deny with unknown: false never matches them',
      [
        { id: 'known-only', when: { unknown: false, guardrails: ['*'] }, action: 'deny' },
        { id: 'u', when: { unknown: true }, action: 'allow' },
      ],
      {},
      'allow',
      'u',
    ],
    [
      'a review that does not name them denies them instead',
      [{ id: 'prod-review', when: { environments: ['production'] }, action: 'review' }],
      {},
      'deny',
      'prod-review',
    ],
    [
      'a review that names them sends them for review',
      [{ id: 'unknown-review', when: { unknown: true }, action: 'review' }],
      {},
      'review',
      'unknown-review',
    ],
    [
      'a deny that names them denies them with its own reason',
      [{ id: 'no-unknown', when: { unknown: true }, action: 'deny' }],
      {},
      'deny',
      'no-unknown',
    ],
  ];

  it.each(cases)('%s', (...[, rules, who, action, ruleId]) => {
    const verdict = compilePolicy(rules).evaluate(unknown(who));
    expect({ action: verdict.action, ruleId: verdict.ruleId }).toEqual({ action, ruleId });
  });

  it('says why in each case', () => {
    const reason = (rules: object[]) => compilePolicy(rules).evaluate(unknown()).reason;
    expect(reason([{ id: 'r', when: {}, action: 'review' }])).toBe(
      'the statement could not be analysed, so it cannot be sent for approval under this rule',
    );
    expect(reason([{ id: 'd', when: { kinds: ['ddl'] }, action: 'deny' }])).toBe(
      'the statement could not be analysed and may be what this rule denies',
    );
    expect(reason([{ id: 'd', when: { unknown: true }, action: 'deny' }])).toBe(
      'the statement could not be analysed and is denied',
    );
    expect(reason([{ id: 'd', when: { unknown: true }, action: 'deny', reason: 'no DO blocks here' }])).toBe(
      'no DO blocks here',
    );
    expect(reason([{ id: 'r', when: { unknown: true }, action: 'review', approvers: ['dba'] }])).toBe(
      'the statement could not be analysed and requires approval',
    );
  });

  it('keeps approvers on a review of unknown statements', () => {
    const verdict = compilePolicy([
      { id: 'r', when: { unknown: true }, action: 'review', approvers: ['dba'], required: 2 },
    ]).evaluate(unknown());
    expect(verdict).toMatchObject({ action: 'review', approvers: ['dba'], required: 2 });
  });

  it('unknown: true does not match analysed statements', () => {
    const policy = compilePolicy([{ id: 'u', when: { unknown: true }, action: 'allow' }]);
    expect(policy.evaluate(input({}, { kind: 'read' })).ruleId).toBe('default-deny');
  });
});
