import { GuardrailId } from '../../src/analysis/guardrail-catalogue';
import { checkPolicyRules, compilePolicy, isPolicyConfigError, PolicyConfigError } from '../../src/policy';

const KINDS = 'read, write, ddl, dcl, admin, transaction, session, utility, unknown';
const CONDITIONS = 'identities, groups, targets, environments, databases, kinds, tables, guardrails, unknown';

/** The texts of every issue compilePolicy reports for these rules. */
function issuesOf(rules: unknown, options = {}): string[] {
  try {
    compilePolicy(rules, options);
  } catch (err) {
    if (!isPolicyConfigError(err)) throw err;
    return err.issues.map((i) => i.text);
  }
  throw new Error('expected the rules to be rejected');
}

const ok = { id: 'ok', when: { kinds: ['read'] }, action: 'allow' };

describe('policy rule validation: every message names the rule and says what to write', () => {
  const cases: [string, unknown, string[], object?][] = [
    [
      'rules is not a list',
      { id: 'x' },
      [
        'policy.rules: expected a list of rules such as [ { id: reads, when: { kinds: [read] }, action: allow } ], got a map',
      ],
    ],
    [
      'the whole policy section passed by mistake',
      { rules: [] },
      [
        'policy.rules: expected a list of rules such as [ { id: reads, when: { kinds: [read] }, action: allow } ], got a map; pass the rules list (policy.rules), not the whole policy section',
      ],
    ],
    [
      'rules missing',
      undefined,
      [
        'policy.rules: expected a list of rules such as [ { id: reads, when: { kinds: [read] }, action: allow } ], got nothing',
      ],
    ],
    [
      'a rule that is not a map',
      ['reads'],
      [
        'policy.rules[0]: expected a rule such as { id: reads, when: { kinds: [read] }, action: allow }, got "reads"',
      ],
    ],
    [
      'kind that is a SQL verb',
      [ok, ok, { id: 'reads', when: { kinds: ['select'] }, action: 'allow' }],
      [
        'policy.rules[1] (id "ok").id: duplicate id: policy.rules[0] already uses "ok"; give each rule its own id',
        `policy.rules[2] (id "reads").when.kinds[0]: "select" is not a statement kind; use one of ${KINDS} (SELECT statements are read; use tables or guardrails to narrow further)`,
      ],
    ],
    [
      'kind in upper case',
      [{ id: 'r', when: { kinds: ['READ'] }, action: 'allow' }],
      [
        `policy.rules[0] (id "r").when.kinds[0]: "READ" is not a statement kind; use one of ${KINDS} (kinds are lower-case: read)`,
      ],
    ],
    [
      'kind misspelt',
      [{ id: 'r', when: { kinds: ['wrte'] }, action: 'allow' }],
      [
        `policy.rules[0] (id "r").when.kinds[0]: "wrte" is not a statement kind; use one of ${KINDS} (did you mean write?)`,
      ],
    ],
    [
      'missing id',
      [{ when: {}, action: 'deny' }],
      ['policy.rules[0].id: is missing; give the rule a short unique id such as ci-ddl-prod'],
    ],
    [
      'id not a string',
      [{ id: 7, when: {}, action: 'deny' }],
      ['policy.rules[0].id: expected a string, got 7'],
    ],
    [
      'id with spaces',
      [{ id: 'no reads', when: {}, action: 'deny' }],
      [
        'policy.rules[0].id: "no reads" is not a usable id; use 1-64 letters, digits, ., _ or -, starting with a letter or digit, e.g. ci-ddl-prod',
      ],
    ],
    [
      'reserved id',
      [{ id: 'default-deny', when: {}, action: 'deny' }],
      [
        'policy.rules[0] (id "default-deny").id: "default-deny" is reserved for the policy\'s own verdicts; choose another id',
      ],
    ],
    [
      'missing action',
      [{ id: 'a', when: {} }],
      ['policy.rules[0] (id "a").action: is missing; write one of allow, deny, review'],
    ],
    [
      'misspelt action',
      [{ id: 'a', when: {}, action: 'alow' }],
      [
        'policy.rules[0] (id "a").action: "alow" is not an action; use one of allow, deny, review (did you mean allow?)',
      ],
    ],
    [
      'unknown rule key',
      [{ id: 'a', when: {}, action: 'deny', reasn: 'x' }],
      [
        'policy.rules[0] (id "a").reasn: "reasn" is not a rule key; use id, when, action, reason, approvers, required, grant (did you mean reason?)',
      ],
    ],
    [
      'condition outside when',
      [{ id: 'a', when: {}, action: 'deny', groups: ['ci'] }],
      [
        'policy.rules[0] (id "a").groups: "groups" is not a rule key; use id, when, action, reason, approvers, required, grant (groups is a condition: put it inside when)',
      ],
    ],
    [
      'when left empty in YAML (null)',
      [{ id: 'a', when: null, action: 'allow' }],
      [
        'policy.rules[0] (id "a").when: expected a map of conditions such as { groups: [dba], kinds: [ddl] }, got null; write when: {} to match every statement',
      ],
    ],
    [
      'misspelt condition',
      [{ id: 'a', when: { tabels: ['public.x'] }, action: 'deny' }],
      [
        `policy.rules[0] (id "a").when.tabels: "tabels" is not a condition; use one of ${CONDITIONS} (did you mean tables?)`,
      ],
    ],
    [
      'a condition written as the identity subject',
      [{ id: 'a', when: { subjects: ['bob'] }, action: 'allow' }],
      [
        `policy.rules[0] (id "a").when.subjects: "subjects" is not a condition; use one of ${CONDITIONS} (did you mean identities?)`,
      ],
    ],
    [
      'action inside when',
      [{ id: 'a', when: { action: 'deny' }, action: 'deny' }],
      ['policy.rules[0] (id "a").when.action: action belongs beside when, not inside it'],
    ],
    [
      'both spellings of a condition',
      [{ id: 'a', when: { environment: 'production', environments: ['staging'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.environments: both environment and environments are given; keep one (environments)',
      ],
    ],
    [
      'empty list',
      [{ id: 'a', when: { groups: [] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.groups: an empty list matches nothing; remove groups to match any, or list at least one, e.g. groups: [dba]',
      ],
    ],
    [
      'a map where a list goes',
      [{ id: 'a', when: { groups: { dba: true } }, action: 'deny' }],
      ['policy.rules[0] (id "a").when.groups: expected a list, e.g. groups: [dba]; got a map'],
    ],
    [
      'a number in a list',
      [{ id: 'a', when: { databases: [2024] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.databases[0]: expected a name as a string, got 2024; write it in quotes: "2024"',
      ],
    ],
    [
      'spaces around a name',
      [{ id: 'a', when: { groups: [' dba'] }, action: 'deny' }],
      ['policy.rules[0] (id "a").when.groups[0]: " dba" has spaces around it; write "dba"'],
    ],
    [
      'empty name',
      [{ id: 'a', when: { identities: [''] }, action: 'deny' }],
      ['policy.rules[0] (id "a").when.identities[0]: is empty; write a name'],
    ],
    [
      'unknown as a string',
      [{ id: 'a', when: { unknown: 'true' }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.unknown: expected true or false, got "true"; write it without quotes; unknown: true matches statements that could not be analysed',
      ],
    ],
    [
      'unknown: true with kinds that exclude it',
      [{ id: 'a', when: { unknown: true, kinds: ['read'] }, action: 'allow' }],
      [
        'policy.rules[0] (id "a").when.unknown: unknown: true with kinds [read] can never match, since a statement is either unknown or of a known kind; add unknown to kinds instead (kinds: [read, unknown])',
      ],
    ],
    [
      'unknown: false with kinds that include it',
      [{ id: 'a', when: { unknown: false, kinds: ['unknown'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.unknown: unknown: false contradicts kinds containing unknown; remove one of them',
      ],
    ],
    [
      'allow of unknown statements that requires tables',
      [{ id: 'a', when: { unknown: true, tables: ['public.*'] }, action: 'allow' }],
      [
        'policy.rules[0] (id "a").when.tables: an allow rule for unknown statements cannot require tables: a statement that could not be analysed has no tables to trust, so the rule would never match; remove tables, or make the rule deny or review',
      ],
    ],
    [
      'allow of unknown statements that requires guardrails',
      [{ id: 'a', when: { kinds: ['unknown'], guardrail: 'dynamic-sql' }, action: 'allow' }],
      [
        'policy.rules[0] (id "a").when.guardrail: an allow rule for unknown statements cannot require guardrails: a statement that could not be analysed has no guardrails to trust, so the rule would never match; remove guardrails, or make the rule deny or review',
      ],
    ],
    [
      '"*" mixed with guardrail ids',
      [{ id: 'a', when: { guardrails: ['*', 'truncate'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.guardrails: "*" already means any guardrail; write ["*"] alone, or list only ids',
      ],
    ],
    [
      'badly formed guardrail id',
      [{ id: 'a', when: { guardrails: ['Drop_Table'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.guardrails[0]: "Drop_Table" is not a guardrail id; ids are lower-case words joined by -, such as delete-without-where, or "*" for any',
      ],
    ],
    [
      'guardrail id not in the analysis catalogue (checked by default)',
      [{ id: 'a', when: { guardrails: ['drop-tabel'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.guardrails[0]: "drop-tabel" is not a guardrail id (did you mean drop-table?); see docs/guardrails.md for the catalogue, or write "*" for any',
      ],
    ],
    [
      'guardrail id not in a catalogue the caller gives',
      [{ id: 'a', when: { guardrails: ['truncate'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.guardrails[0]: "truncate" is not a guardrail id; see docs/guardrails.md for the catalogue, or write "*" for any',
      ],
      { guardrails: ['my-check'] },
    ],
    [
      'target not configured',
      [{ id: 'a', when: { target: 'prdo' }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.target: "prdo" is not a configured target (did you mean prod?); targets are prod, staging',
      ],
      { targets: ['prod', 'staging'] },
    ],
    [
      'environment no target has',
      [{ id: 'a', when: { environments: ['prod'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.environments[0]: "prod" is not the environment of any target; environments are production, staging',
      ],
      { environments: ['production', 'staging'] },
    ],
    [
      'table pattern with quotes',
      [{ id: 'a', when: { tables: ['public."Users"'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.tables[0]: "public.\\"Users\\"" holds quotes or brackets; write identifiers bare, as the database stores them (public.Users, not public."Users")',
      ],
    ],
    [
      'table pattern with SQL LIKE wildcard',
      [{ id: 'a', when: { tables: ['audit_%'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.tables[0]: "audit_%" uses %; table patterns are globs, write * instead',
      ],
    ],
    [
      'table pattern with a database part',
      [{ id: 'a', when: { tables: ['app.public.users'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.tables[0]: "app.public.users" has more than one dot; write schema.table or table (match the database with databases)',
      ],
    ],
    [
      'table pattern with an empty part',
      [{ id: 'a', when: { tables: ['public.'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.tables[0]: "public." has an empty part; write schema.table, schema.* or table',
      ],
    ],
    [
      'table pattern with other characters',
      [{ id: 'a', when: { tables: ['public.us+ers'] }, action: 'deny' }],
      [
        'policy.rules[0] (id "a").when.tables[0]: "public.us+ers" holds characters that are not part of an identifier; use letters, digits, _, $, - and the wildcards * and ?',
      ],
    ],
    [
      'approvers on a deny rule',
      [{ id: 'a', when: {}, action: 'deny', approvers: ['dba'], required: 2 }],
      [
        'policy.rules[0] (id "a").approvers: only applies to action review; remove it, or change the action to review',
        'policy.rules[0] (id "a").required: only applies to action review; remove it, or change the action to review',
      ],
    ],
    [
      'approvers empty and required not a count',
      [{ id: 'a', when: {}, action: 'review', approvers: [], required: 1.5 }],
      [
        'policy.rules[0] (id "a").approvers: expected a list of groups whose members may approve, e.g. [dba], got a list',
        'policy.rules[0] (id "a").required: expected a whole number of approvals from 1 to 20, got 1.5',
      ],
    ],
    [
      'grant on an allow rule',
      [{ id: 'a', when: {}, action: 'allow', grant: true }],
      [
        'policy.rules[0] (id "a").grant: only applies to action review; remove it, or change the action to review',
      ],
    ],
    [
      'grant not a boolean',
      [{ id: 'a', when: {}, action: 'review', grant: 'yes' }],
      [
        'policy.rules[0] (id "a").grant: expected true (an approval also lets the same identity re-run the same statement within the grant window) or false, got "yes"',
      ],
    ],
    [
      'approver not a name',
      [{ id: 'a', when: {}, action: 'review', approvers: ['dba', 3] }],
      ['policy.rules[0] (id "a").approvers[1]: expected a group name, got 3'],
    ],
    [
      'reason of several lines',
      [{ id: 'a', when: {}, action: 'deny', reason: 'no\nway' }],
      ['policy.rules[0] (id "a").reason: spans several lines; write one line (it becomes one error message)'],
    ],
    [
      'reason empty',
      [{ id: 'a', when: {}, action: 'deny', reason: '  ' }],
      ['policy.rules[0] (id "a").reason: is empty; write a sentence for the client, or remove reason'],
    ],
    [
      'reason not a string',
      [{ id: 'a', when: {}, action: 'deny', reason: 42 }],
      ['policy.rules[0] (id "a").reason: expected a sentence for the client, got 42'],
    ],
    [
      'reason too long',
      [{ id: 'a', when: {}, action: 'deny', reason: 'x'.repeat(201) }],
      ['policy.rules[0] (id "a").reason: is 201 characters; keep it under 200'],
    ],
    [
      'a key that exists on Object.prototype',
      [{ id: 'a', when: { constructor: ['x'] }, action: 'deny' }],
      [
        `policy.rules[0] (id "a").when.constructor: "constructor" is not a condition; use one of ${CONDITIONS}`,
      ],
    ],
  ];

  // Rest parameters keep the callback's arity at 0: jest reads a fourth named
  // parameter on a three-element row as a `done` callback and waits for it.
  it.each(cases)('%s', (...[, rules, expected, options]) => {
    expect(issuesOf(rules, options)).toEqual(expected);
  });

  it('reports every problem at once, across rules, not just the first', () => {
    const texts = issuesOf([
      { id: 'a', when: { kinds: ['select'], groups: [] }, action: 'permit' },
      { id: 'b', when: { tabels: ['x'] }, action: 'allow' },
      { id: 'a', when: {}, action: 'deny' },
    ]);
    expect(texts).toHaveLength(5);
    expect(texts.map((t) => t.split(':')[0])).toEqual([
      'policy.rules[0] (id "a").action',
      'policy.rules[0] (id "a").when.kinds[0]',
      'policy.rules[0] (id "a").when.groups',
      'policy.rules[1] (id "b").when.tabels',
      'policy.rules[2] (id "a").id',
    ]);
  });

  it('puts all messages in the error text, and keeps them as data', () => {
    let error: unknown;
    try {
      compilePolicy([{ id: 'a', when: { kinds: ['select'] }, action: 'nope' }]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyConfigError);
    const e = error as PolicyConfigError;
    expect(e.message).toMatch(
      /^2 problems in the policy rules:\n {2}- policy\.rules\[0\] \(id "a"\)\.action: /,
    );
    expect(e.message).toContain(
      '\n  - policy.rules[0] (id "a").when.kinds[0]: "select" is not a statement kind',
    );
    expect(e.issues[1]).toEqual({
      path: 'policy.rules[0].when.kinds[0]',
      ruleId: 'a',
      message: `"select" is not a statement kind; use one of ${KINDS} (SELECT statements are read; use tables or guardrails to narrow further)`,
      text: expect.stringContaining('policy.rules[0] (id "a").when.kinds[0]: '),
    });
    expect(Object.isFrozen(e.issues)).toBe(true);
  });

  it('checkPolicyRules lists the same issues without throwing, at the path it is given', () => {
    expect(checkPolicyRules([ok])).toEqual([]);
    const issues = checkPolicyRules([{ id: 'r', when: { kinds: ['select'] }, action: 'allow' }], {
      path: 'rules',
    });
    expect(issues.map((i) => i.path)).toEqual(['rules[0].when.kinds[0]']);
    expect(issues[0]!.text.startsWith('rules[0] (id "r").when.kinds[0]: ')).toBe(true);
  });

  it('accepts singular spellings and single strings, as DESIGN.md writes them', () => {
    const policy = compilePolicy([
      {
        id: 'ci-ddl-prod',
        when: { groups: ['ci'], environment: 'production', kinds: ['ddl'] },
        action: 'review',
      },
      {
        id: 'one',
        when: { group: 'dba', kind: 'write', table: 'public.*', guardrail: 'truncate' },
        action: 'deny',
      },
    ]);
    expect(policy.rules[0]!.when).toEqual({ groups: ['ci'], environments: ['production'], kinds: ['ddl'] });
    expect(policy.rules[1]!.when).toEqual({
      groups: ['dba'],
      kinds: ['write'],
      tables: ['public.*'],
      guardrails: ['truncate'],
    });
  });

  it('accepts every id of the analysis catalogue, and ids a caller adds', () => {
    const all = Object.values(GuardrailId);
    expect(checkPolicyRules([{ id: 'g', when: { guardrails: all }, action: 'deny' }])).toEqual([]);
    expect(
      checkPolicyRules([{ id: 'g', when: { guardrails: ['my-check'] }, action: 'deny' }], {
        guardrails: ['my-check'],
      }),
    ).toEqual([]);
  });

  it('reads a rule without when as when: {}', () => {
    expect(compilePolicy([{ id: 'deny-rest', action: 'deny' }]).rules[0]!.when).toEqual({});
  });

  it('accepts an empty list of rules (everything is then denied)', () => {
    expect(compilePolicy([]).rules).toEqual([]);
  });

  it('accepts a catch-all when: {} and ids with dots and underscores', () => {
    expect(compilePolicy([{ id: 'team.a-deny_rest', when: {}, action: 'deny' }]).rules[0]!.id).toBe(
      'team.a-deny_rest',
    );
  });
});
