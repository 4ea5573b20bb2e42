import { z } from 'zod';
import { PolicyAction, StatementKind } from '@gatehouse/sql-core';
import type { PolicyRuleConfig, PolicyRuleWhen } from './config-types';
import { booleanFlag, expecting, name, nameList, nonEmptyString, section, stringOrList } from './schema-helpers';

/**
 * Policy rules stay plain data here; the policy package compiles them. This
 * schema only makes sure every rule has a shape the compiler can trust.
 */

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function list<T extends z.ZodType<string>>(item: T, what: string) {
  return stringOrList(item, what)
    .transform((l) => [...new Set(l)] as z.output<T>[])
    .refine((l) => l.length > 0, { error: 'an empty list matches nothing; remove the key to match any' });
}

const kind = z.enum(Object.values(StatementKind) as [StatementKind, ...StatementKind[]], {
  error: expecting(`a statement kind, one of: ${Object.values(StatementKind).join(', ')}`),
});

const lists = {
  identities: list(nonEmptyString('a subject'), 'subjects'),
  groups: list(name('a group name'), 'group names'),
  targets: list(name('a target name'), 'target names'),
  environments: list(name('an environment label'), 'environment labels'),
  kinds: list(kind, 'statement kinds'),
  databases: list(nonEmptyString('an upstream database name'), 'database names'),
  // Table globs and guardrail ids are checked by the policy compiler, which knows them.
  tables: list(nonEmptyString('a table such as public.users, users or public.*'), 'tables'),
  guardrails: list(nonEmptyString('a guardrail id, or "*" for any guardrail'), 'guardrail ids'),
} as const;
type ListKey = keyof typeof lists;

/** Singular spellings users write (`environment: production`), folded into the list keys. */
const SINGULAR = {
  identity: 'identities',
  group: 'groups',
  target: 'targets',
  environment: 'environments',
  database: 'databases',
  kind: 'kinds',
  table: 'tables',
  guardrail: 'guardrails',
} as const satisfies Record<string, ListKey>;

/**
 * How a rule's conditions were spelled in the file (`environment` or
 * `environments`), so a check made after parsing names the key the user wrote.
 */
const spelledAs = new WeakMap<PolicyRuleWhen, Partial<Record<ListKey, string>>>();

/** The key a `when` condition was written with: its singular spelling, or the list key. */
export function conditionKey(when: PolicyRuleWhen, key: ListKey): string {
  return spelledAs.get(when)?.[key] ?? key;
}

const whenSchema = section(
  {
    ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, v.optional()])),
    ...Object.fromEntries(Object.entries(SINGULAR).map(([k, plural]) => [k, lists[plural].optional()])),
    unknown: booleanFlag().optional(),
  } as { [K in ListKey | keyof typeof SINGULAR]: z.ZodOptional<(typeof lists)[ListKey]> } & {
    unknown: z.ZodOptional<z.ZodBoolean>;
  },
  'a mapping of conditions such as { groups: [ci], kinds: [ddl] }',
).transform((raw, ctx): PolicyRuleWhen => {
  const out: Record<string, unknown> = {};
  const spelled: Partial<Record<ListKey, string>> = {};
  for (const key of Object.keys(lists) as ListKey[]) if (raw[key] !== undefined) out[key] = raw[key];
  for (const [singular, plural] of Object.entries(SINGULAR) as [keyof typeof SINGULAR, ListKey][]) {
    const value = raw[singular];
    if (value === undefined) continue;
    if (out[plural] !== undefined) {
      ctx.issues.push({ code: 'custom', path: [singular], message: `write either ${singular} or ${plural}, not both`, input: undefined });
      continue;
    }
    out[plural] = value;
    spelled[plural] = singular;
  }
  if (raw.unknown !== undefined) out.unknown = raw.unknown;
  const when = out as PolicyRuleWhen;
  if (Object.keys(spelled).length > 0) spelledAs.set(when, spelled);
  return when;
});

const ruleSchema = section(
  {
    id: z.string({ error: expecting('a rule id such as reads-allowed') }).regex(RULE_ID, {
      error: 'expected a rule id of letters, digits and . _ - such as reads-allowed',
    }),
    when: whenSchema.prefault({}),
    action: z.enum(Object.values(PolicyAction) as [PolicyAction, ...PolicyAction[]], {
      error: expecting('allow, deny or review'),
    }),
    reason: nonEmptyString('one sentence shown to the client').optional(),
    approvers: nameList('group name').optional(),
    required: z
      .number({ error: expecting('the number of approvals required, 1-20') })
      .int({ error: expecting('the number of approvals required, 1-20') })
      .min(1, { error: expecting('the number of approvals required, 1-20') })
      .max(20, { error: expecting('the number of approvals required, 1-20') })
      .optional(),
    grant: booleanFlag().optional(),
  },
  'a rule mapping such as { id: reads, when: { kinds: [read] }, action: allow }',
).transform((r, ctx): PolicyRuleConfig => {
  if (r.action !== 'review') {
    for (const key of ['approvers', 'required', 'grant'] as const) {
      if (r[key] !== undefined) {
        ctx.issues.push({ code: 'custom', path: [key], message: `${key} only applies to action: review; remove it`, input: undefined });
      }
    }
  }
  return {
    id: r.id,
    when: r.when,
    action: r.action,
    reason: r.reason ?? null,
    ...(r.approvers !== undefined ? { approvers: r.approvers } : {}),
    ...(r.required !== undefined ? { required: r.required } : {}),
    ...(r.grant !== undefined ? { grant: r.grant } : {}),
  };
});

export const policySchema = section({
  rules: z.array(ruleSchema, { error: expecting('a list of rules') }).default([]),
}).prefault({});
