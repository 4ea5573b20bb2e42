import { PolicyAction } from './policy';
import type { PolicyIssue } from './policy-config-error';
import { BuiltinRuleId, type PolicyRule, type RuleConditions } from './policy-rule';
import { didYouMean } from './suggest';
import { describeValue, isConditionKey, validateConditions, type KnownNames } from './validate-conditions';

const RULE_KEYS = ['id', 'when', 'action', 'reason', 'approvers', 'required', 'grant'] as const;
const ACTIONS: readonly string[] = Object.values(PolicyAction);
const BUILTIN_IDS: ReadonlySet<string> = new Set(Object.values(BuiltinRuleId));
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_REASON = 200;
/** As docs/configuration.md states it. */
const MAX_REQUIRED = 20;

export interface ValidatedRules {
  readonly rules: readonly PolicyRule[];
  readonly issues: readonly PolicyIssue[];
}

/**
 * Turns `policy.rules` as plain data into validated, deeply frozen rules, or
 * reports every problem found (no rule is half-accepted: `rules` is only
 * meaningful when `issues` is empty).
 */
export function validateRules(raw: unknown, basePath: string, known: KnownNames): ValidatedRules {
  const issues: PolicyIssue[] = [];
  if (!Array.isArray(raw)) {
    const hint =
      raw !== null && typeof raw === 'object' && 'rules' in raw
        ? '; pass the rules list (policy.rules), not the whole policy section'
        : '';
    const message = `expected a list of rules such as [ { id: reads, when: { kinds: [read] }, action: allow } ], got ${describeValue(raw)}${hint}`;
    issues.push({ path: basePath, message, text: `${basePath}: ${message}` });
    return { rules: [], issues };
  }
  const rules: PolicyRule[] = [];
  const firstIndexOfId = new Map<string, number>();
  raw.forEach((entry, index) => {
    const rule = validateRule(entry, index, basePath, known, firstIndexOfId, issues);
    if (rule !== null) rules.push(rule);
  });
  return { rules: issues.length === 0 ? Object.freeze(rules) : [], issues };
}

function validateRule(
  entry: unknown,
  index: number,
  basePath: string,
  known: KnownNames,
  firstIndexOfId: Map<string, number>,
  issues: PolicyIssue[],
): PolicyRule | null {
  const rulePath = `${basePath}[${index}]`;
  let ruleId: string | undefined;
  let ok = true;
  const report = (subPath: string, message: string): void => {
    ok = false;
    const named = ruleId === undefined ? rulePath : `${rulePath} (id ${JSON.stringify(ruleId)})`;
    issues.push({
      path: `${rulePath}${subPath}`,
      ...(ruleId !== undefined ? { ruleId } : {}),
      message,
      text: `${named}${subPath}: ${message}`,
    });
  };

  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    report(
      '',
      `expected a rule such as { id: reads, when: { kinds: [read] }, action: allow }, got ${describeValue(entry)}`,
    );
    return null;
  }
  const r = entry as Record<string, unknown>;

  // The id first, so every other message can name the rule by it.
  const id = r['id'];
  if (id === undefined) report('.id', 'is missing; give the rule a short unique id such as ci-ddl-prod');
  else if (typeof id !== 'string') report('.id', `expected a string, got ${describeValue(id)}`);
  else if (!RULE_ID.test(id)) {
    report(
      '.id',
      `${JSON.stringify(id)} is not a usable id; use 1-64 letters, digits, ., _ or -, starting with a letter or digit, e.g. ci-ddl-prod`,
    );
  } else {
    ruleId = id;
    if (BUILTIN_IDS.has(id)) {
      report('.id', `${JSON.stringify(id)} is reserved for the policy's own verdicts; choose another id`);
    } else if (firstIndexOfId.has(id)) {
      report(
        '.id',
        `duplicate id: ${basePath}[${firstIndexOfId.get(id)}] already uses ${JSON.stringify(id)}; give each rule its own id`,
      );
    } else firstIndexOfId.set(id, index);
  }

  for (const key of Object.keys(r)) {
    if ((RULE_KEYS as readonly string[]).includes(key)) continue;
    const hint = isConditionKey(key)
      ? ` (${key} is a condition: put it inside when)`
      : didYouMean(key, RULE_KEYS);
    report(`.${key}`, `"${key}" is not a rule key; use ${RULE_KEYS.join(', ')}${hint}`);
  }

  const rawAction = r['action'];
  let action: PolicyAction | null = null;
  if (rawAction === undefined) report('.action', `is missing; write one of ${ACTIONS.join(', ')}`);
  else if (typeof rawAction !== 'string' || !ACTIONS.includes(rawAction)) {
    const suggestion = typeof rawAction === 'string' ? didYouMean(rawAction, ACTIONS) : '';
    report(
      '.action',
      `${describeValue(rawAction)} is not an action; use one of ${ACTIONS.join(', ')}${suggestion}`,
    );
  } else action = rawAction as PolicyAction;

  const when = validateConditions(r['when'], action, known, report);

  const reason = r['reason'];
  if (reason !== undefined) {
    if (typeof reason !== 'string')
      report('.reason', `expected a sentence for the client, got ${describeValue(reason)}`);
    else if (reason.trim().length === 0)
      report('.reason', 'is empty; write a sentence for the client, or remove reason');
    else if (/[\r\n]/.test(reason))
      report('.reason', 'spans several lines; write one line (it becomes one error message)');
    else if (reason.length > MAX_REASON)
      report('.reason', `is ${reason.length} characters; keep it under ${MAX_REASON}`);
  }

  const approvers = validateApprovers(r['approvers'], action, report);
  const required = validateRequired(r['required'], action, report);
  const grant = validateGrant(r['grant'], action, report);

  if (!ok || ruleId === undefined || action === null || when === null) return null;
  return freezeRule({
    index,
    id: ruleId,
    when,
    action,
    ...(typeof reason === 'string' ? { reason: reason.trim() } : {}),
    ...(approvers !== undefined ? { approvers } : {}),
    ...(required !== undefined ? { required } : {}),
    ...(grant !== undefined ? { grant } : {}),
  });
}

function validateApprovers(
  value: unknown,
  action: PolicyAction | null,
  report: (subPath: string, message: string) => void,
): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (action !== null && action !== 'review') {
    report('.approvers', `only applies to action review; remove it, or change the action to review`);
    return undefined;
  }
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    report(
      '.approvers',
      `expected a list of groups whose members may approve, e.g. [dba], got ${describeValue(value)}`,
    );
    return undefined;
  }
  const out: string[] = [];
  list.forEach((g: unknown, i) => {
    if (typeof g !== 'string' || g.trim().length === 0 || g.trim() !== g) {
      report(`.approvers[${i}]`, `expected a group name, got ${describeValue(g)}`);
    } else if (!out.includes(g)) out.push(g);
  });
  return out;
}

function validateRequired(
  value: unknown,
  action: PolicyAction | null,
  report: (subPath: string, message: string) => void,
): number | undefined {
  if (value === undefined) return undefined;
  if (action !== null && action !== 'review') {
    report('.required', `only applies to action review; remove it, or change the action to review`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_REQUIRED) {
    report(
      '.required',
      `expected a whole number of approvals from 1 to ${MAX_REQUIRED}, got ${describeValue(value)}`,
    );
    return undefined;
  }
  return value;
}

function validateGrant(
  value: unknown,
  action: PolicyAction | null,
  report: (subPath: string, message: string) => void,
): boolean | undefined {
  if (value === undefined) return undefined;
  if (action !== null && action !== 'review') {
    report('.grant', `only applies to action review; remove it, or change the action to review`);
    return undefined;
  }
  if (typeof value !== 'boolean') {
    report(
      '.grant',
      `expected true (an approval also lets the same identity re-run the same statement within the grant window) or false, got ${describeValue(value)}`,
    );
    return undefined;
  }
  return value;
}

function freezeRule(rule: PolicyRule): PolicyRule {
  const when: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rule.when)) when[k] = Array.isArray(v) ? Object.freeze([...v]) : v;
  return Object.freeze({
    ...rule,
    when: Object.freeze(when) as RuleConditions,
    ...(rule.approvers !== undefined ? { approvers: Object.freeze([...rule.approvers]) } : {}),
  });
}
