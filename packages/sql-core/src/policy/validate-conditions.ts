import { StatementKind } from '../analysis/statement-facts';
import type { PolicyAction } from './policy';
import { RULE_CONDITION_KEYS, type RuleConditionKey, type RuleConditions } from './policy-rule';
import { didYouMean } from './suggest';
import { compileTableGlob } from './table-glob';

/** What the rest of the configuration knows, so names that match nothing are caught at load. */
export interface KnownNames {
  readonly guardrails: ReadonlySet<string> | null;
  readonly targets: ReadonlySet<string> | null;
  readonly environments: ReadonlySet<string> | null;
}

/** Records one issue at a path below the rule (`.when.kinds[0]`). */
export type Report = (subPath: string, message: string) => void;

/** The config may say `environment: production`; the rule stores `environments: [production]`. */
const SINGULAR: Readonly<Record<string, RuleConditionKey>> = {
  identity: 'identities',
  group: 'groups',
  target: 'targets',
  environment: 'environments',
  database: 'databases',
  kind: 'kinds',
  table: 'tables',
  guardrail: 'guardrails',
};

/** Likely wrong names, mapped to the condition the writer meant. */
const HINTS: Readonly<Record<string, RuleConditionKey>> = {
  subject: 'identities',
  subjects: 'identities',
  user: 'identities',
  users: 'identities',
  role: 'groups',
  roles: 'groups',
  env: 'environments',
  envs: 'environments',
  db: 'databases',
  dbs: 'databases',
  schema: 'tables',
  schemas: 'tables',
  type: 'kinds',
  types: 'kinds',
  statement: 'kinds',
  statements: 'kinds',
};

const RULE_LEVEL_KEYS = new Set(['id', 'action', 'reason', 'approvers', 'required']);

const KINDS: readonly string[] = Object.values(StatementKind);
const KIND_LIST = KINDS.join(', ');

/** SQL words people write where a kind goes, and the kind that covers them. */
const KIND_OF_COMMAND: Readonly<Record<string, StatementKind>> = {
  select: 'read',
  show: 'read',
  insert: 'write',
  update: 'write',
  delete: 'write',
  merge: 'write',
  upsert: 'write',
  create: 'ddl',
  alter: 'ddl',
  drop: 'ddl',
  truncate: 'ddl',
  rename: 'ddl',
  grant: 'dcl',
  revoke: 'dcl',
  begin: 'transaction',
  commit: 'transaction',
  rollback: 'transaction',
  savepoint: 'transaction',
  set: 'session',
  reset: 'session',
};

const GUARDRAIL_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const EXAMPLES: Readonly<Record<RuleConditionKey, string>> = {
  identities: 'identities: [alice@example.com]',
  groups: 'groups: [dba]',
  targets: 'targets: [prod]',
  environments: 'environments: [production]',
  databases: 'databases: [app]',
  kinds: 'kinds: [read]',
  tables: 'tables: [public.users, audit_*]',
  guardrails: 'guardrails: ["*"]',
  unknown: 'unknown: true',
};

/** Validates a rule's `when`; returns null when anything in it is wrong (all issues reported). */
export function validateConditions(
  raw: unknown,
  action: PolicyAction | null,
  known: KnownNames,
  report: Report,
): RuleConditions | null {
  // No `when` is `when: {}`, as docs/configuration.md documents; `when: null` (a YAML key
  // left empty) is refused below, since it more likely lost its conditions.
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(
      '.when',
      `expected a map of conditions such as { groups: [dba], kinds: [ddl] }, got ${describeValue(raw)}; write when: {} to match every statement`,
    );
    return null;
  }
  let ok = true;
  const fail = (subPath: string, message: string): void => {
    ok = false;
    report(subPath, message);
  };
  const out: Record<string, unknown> = {};
  const spelledAs: Partial<Record<RuleConditionKey, string>> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = (RULE_CONDITION_KEYS as readonly string[]).includes(key)
      ? (key as RuleConditionKey)
      : own(SINGULAR, key);
    if (canonical === undefined) {
      fail(`.when.${key}`, unknownKeyMessage(key));
      continue;
    }
    const earlier = spelledAs[canonical];
    if (earlier !== undefined) {
      fail(`.when.${key}`, `both ${earlier} and ${key} are given; keep one (${canonical})`);
      continue;
    }
    spelledAs[canonical] = key;
    const at = `.when.${key}`;
    const parsed =
      canonical === 'unknown' ? parseUnknown(value, at, fail) : parseList(canonical, value, at, known, fail);
    if (parsed !== null) out[canonical] = parsed;
  }
  if (!ok) return null;
  const when = out as RuleConditions;
  return checkCombination(when, action, spelledAs, fail) ? when : null;
}

/** A key that belongs inside `when`, in either spelling. */
export function isConditionKey(key: string): boolean {
  return (RULE_CONDITION_KEYS as readonly string[]).includes(key) || own(SINGULAR, key) !== undefined;
}

function unknownKeyMessage(key: string): string {
  if (RULE_LEVEL_KEYS.has(key)) return `${key} belongs beside when, not inside it`;
  const hint = own(HINTS, key.toLowerCase());
  const suggestion =
    hint !== undefined
      ? ` (did you mean ${hint}?)`
      : didYouMean(key, [...RULE_CONDITION_KEYS, ...Object.keys(SINGULAR)]);
  return `"${key}" is not a condition; use one of ${RULE_CONDITION_KEYS.join(', ')}${suggestion}`;
}

function parseUnknown(value: unknown, at: string, fail: Report): boolean | null {
  if (typeof value === 'boolean') return value;
  const quoted = typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase());
  fail(
    at,
    `expected true or false, got ${describeValue(value)}${quoted ? '; write it without quotes' : ''}; unknown: true matches statements that could not be analysed`,
  );
  return null;
}

function parseList(
  key: Exclude<RuleConditionKey, 'unknown'>,
  value: unknown,
  at: string,
  known: KnownNames,
  fail: Report,
): readonly string[] | null {
  const items: readonly unknown[] | null =
    typeof value === 'string' ? [value] : Array.isArray(value) ? value : null;
  if (items === null) {
    fail(at, `expected a list, e.g. ${EXAMPLES[key]}; got ${describeValue(value)}`);
    return null;
  }
  if (items.length === 0) {
    fail(
      at,
      `an empty list matches nothing; remove ${key} to match any, or list at least one, e.g. ${EXAMPLES[key]}`,
    );
    return null;
  }
  const out: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const itemAt = typeof value === 'string' ? at : `${at}[${i}]`;
    const message = typeof item === 'string' ? checkItem(key, item, known) : notAString(item);
    if (message !== null) {
      ok = false;
      fail(itemAt, message);
    } else if (!out.includes(item as string)) out.push(item as string);
  });
  if (!ok) return null;
  if (key === 'guardrails' && out.includes('*') && out.length > 1) {
    fail(at, '"*" already means any guardrail; write ["*"] alone, or list only ids');
    return null;
  }
  return out;
}

function notAString(item: unknown): string {
  const hint =
    typeof item === 'number' || typeof item === 'boolean' ? `; write it in quotes: "${String(item)}"` : '';
  return `expected a name as a string, got ${describeValue(item)}${hint}`;
}

/** One item of a list; null when it is fine. */
function checkItem(
  key: Exclude<RuleConditionKey, 'unknown'>,
  item: string,
  known: KnownNames,
): string | null {
  const shown = JSON.stringify(item);
  if (item.trim().length === 0) return 'is empty; write a name';
  if (item.trim() !== item) return `${shown} has spaces around it; write ${JSON.stringify(item.trim())}`;
  switch (key) {
    case 'kinds':
      return KINDS.includes(item) ? null : kindMessage(item);
    case 'tables': {
      const glob = compileTableGlob(item);
      return 'error' in glob ? glob.error : null;
    }
    case 'guardrails':
      if (item === '*') return null;
      if (!GUARDRAIL_ID.test(item)) {
        return `${shown} is not a guardrail id; ids are lower-case words joined by -, such as delete-without-where, or "*" for any`;
      }
      if (known.guardrails !== null && !known.guardrails.has(item)) {
        return `${shown} is not a guardrail id${didYouMean(item, known.guardrails)}; see docs/guardrails.md for the catalogue, or write "*" for any`;
      }
      return null;
    case 'targets':
      return known.targets === null || known.targets.has(item)
        ? null
        : `${shown} is not a configured target${didYouMean(item, known.targets)}; targets are ${[...known.targets].join(', ') || '(none)'}`;
    case 'environments':
      return known.environments === null || known.environments.has(item)
        ? null
        : `${shown} is not the environment of any target${didYouMean(item, known.environments)}; environments are ${[...known.environments].join(', ') || '(none)'}`;
    default:
      return null;
  }
}

function kindMessage(item: string): string {
  const lower = item.toLowerCase();
  let hint = '';
  const covering = own(KIND_OF_COMMAND, lower);
  if (KINDS.includes(lower)) hint = ` (kinds are lower-case: ${lower})`;
  else if (covering !== undefined) {
    hint = ` (${item.toUpperCase()} statements are ${covering}; use tables or guardrails to narrow further)`;
  } else hint = didYouMean(item, KINDS);
  return `${JSON.stringify(item)} is not a statement kind; use one of ${KIND_LIST}${hint}`;
}

/** Conditions that are each valid but together can never match, or would mislead. */
function checkCombination(
  when: RuleConditions,
  action: PolicyAction | null,
  spelledAs: Partial<Record<RuleConditionKey, string>>,
  fail: Report,
): boolean {
  const kindsHaveUnknown = when.kinds?.includes('unknown') ?? false;
  let ok = true;
  if (when.unknown === true && when.kinds !== undefined && !kindsHaveUnknown) {
    ok = false;
    fail(
      '.when.unknown',
      `unknown: true with kinds [${when.kinds.join(', ')}] can never match, since a statement is either unknown or of a known kind; add unknown to kinds instead (kinds: [${[...when.kinds, 'unknown'].join(', ')}])`,
    );
  }
  if (when.unknown === false && kindsHaveUnknown) {
    ok = false;
    fail('.when.unknown', 'unknown: false contradicts kinds containing unknown; remove one of them');
  }
  const onlyUnknown =
    when.unknown === true || (when.kinds !== undefined && when.kinds.every((k) => k === 'unknown'));
  if (action === 'allow' && onlyUnknown) {
    for (const key of ['tables', 'guardrails'] as const) {
      if (when[key] === undefined) continue;
      ok = false;
      fail(
        `.when.${spelledAs[key] ?? key}`,
        `an allow rule for unknown statements cannot require ${key}: a statement that could not be analysed has no ${key} to trust, so the rule would never match; remove ${key}, or make the rule deny or review`,
      );
    }
  }
  return ok;
}

/** Own properties only: config keys such as `constructor` must not reach the prototype. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const s = JSON.stringify(value);
    return s.length > 42 ? `${s.slice(0, 40)}..."` : s;
  }
  return String(value);
}
