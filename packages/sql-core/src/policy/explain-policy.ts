import type { StatementFacts, StatementKind, TableRef } from '../analysis/statement-facts';
import type { CompiledPolicy } from './compile-policy';
import type { PolicyAction, PolicyInput, PolicyVerdict } from './policy';
import { assertScopeInput } from './policy-index';
import type { RuleConditionKey } from './policy-rule';
import {
  contentHolds,
  databaseHolds,
  effectiveKind,
  environmentHolds,
  groupsHold,
  guardrailsHold,
  identityHolds,
  KindFit,
  kindFit,
  scopeHolds,
  tablesHold,
  targetHolds,
  type RuleMatcher,
} from './rule-matcher';
import { formatTable, tableMayMatch, tableSurelyMatches } from './table-glob';
import {
  defaultDenyVerdict,
  matchedVerdict,
  unknownNamedVerdict,
  unknownUncertainVerdict,
} from './verdict-reason';

export const RuleOutcome = {
  matched: 'matched',
  noMatch: 'no-match',
  /** An earlier rule matched first. */
  notReached: 'not-reached',
} as const;
export type RuleOutcome = (typeof RuleOutcome)[keyof typeof RuleOutcome];

export interface ConditionTrace {
  /** A key of the rule's `when`, or `unanalysed` for the built-in treatment of statements that could not be analysed. */
  readonly condition: RuleConditionKey | 'unanalysed';
  readonly holds: boolean;
  /** Why, in words: `groups [dev] include none of dba, ops`. */
  readonly detail: string;
}

export interface RuleTrace {
  readonly index: number;
  readonly ruleId: string;
  readonly action: PolicyAction;
  readonly outcome: RuleOutcome;
  /** Every condition of a considered rule, each with whether it held; empty when not reached. */
  readonly conditions: readonly ConditionTrace[];
  /** Set when the verdict differs from the rule's action (a review rule denying an unanalysed statement). */
  readonly note?: string;
}

/** The verdict, and for every rule whether it was considered and why it did or did not match. JSON-safe. */
export interface PolicyExplanation {
  readonly verdict: PolicyVerdict;
  readonly trace: readonly RuleTrace[];
}

/** For `gatehouse explain` and `POST /v1/explain`: the same verdict `evaluate` gives, with its reasons. */
export function explainPolicy(policy: CompiledPolicy, input: PolicyInput): PolicyExplanation {
  return policy.explain(input);
}

/**
 * Walks every rule in order without the index. Whether a rule matches is
 * decided by the same predicates the index uses; the details only describe.
 */
export function explainRules(matchers: readonly RuleMatcher[], input: PolicyInput): PolicyExplanation {
  assertScopeInput(input.identity, input.target, input.database);
  const trace: RuleTrace[] = [];
  let verdict: PolicyVerdict | null = null;
  const facts = input.facts;
  const kind = effectiveKind(facts.kind);
  for (const m of matchers) {
    const base = { index: m.rule.index, ruleId: m.rule.id, action: m.rule.action };
    if (verdict !== null) {
      trace.push({ ...base, outcome: RuleOutcome.notReached, conditions: [] });
      continue;
    }
    const conditions = [...scopeConditions(m, input), ...contentConditions(m, facts, kind)];
    const fit = kindFit(m, kind);
    const matched =
      scopeHolds(m, input.identity, input.target, input.database) &&
      fit !== KindFit.none &&
      (fit !== KindFit.check || contentHolds(m, facts));
    if (!matched) {
      trace.push({ ...base, outcome: RuleOutcome.noMatch, conditions });
      continue;
    }
    if (fit === KindFit.check) verdict = matchedVerdict(m, facts);
    else if (fit === KindFit.unknownNamed) verdict = unknownNamedVerdict(m);
    else verdict = unknownUncertainVerdict(m);
    const note =
      verdict.action !== m.rule.action
        ? 'a review rule that does not name unknown statements denies them instead of sending them for approval'
        : undefined;
    trace.push({ ...base, outcome: RuleOutcome.matched, conditions, ...(note ? { note } : {}) });
  }
  return { verdict: verdict ?? defaultDenyVerdict(input), trace };
}

function scopeConditions(m: RuleMatcher, input: PolicyInput): ConditionTrace[] {
  const out: ConditionTrace[] = [];
  const { identity, target, database } = input;
  const w = m.rule.when;
  if (w.identities) {
    const holds = identityHolds(m, identity);
    out.push({
      condition: 'identities',
      holds,
      detail: holds
        ? `subject ${identity.subject} is listed`
        : `subject ${identity.subject} is not one of ${w.identities.join(', ')}`,
    });
  }
  if (w.groups) {
    const holds = groupsHold(m, identity);
    const mine =
      identity.groups.length > 0
        ? `groups [${identity.groups.join(', ')}]`
        : 'the identity has no groups and';
    out.push({
      condition: 'groups',
      holds,
      detail: holds
        ? `groups include ${identity.groups.filter((g) => w.groups!.includes(g)).join(', ')}`
        : `${mine} include none of ${w.groups.join(', ')}`,
    });
  }
  if (w.targets) {
    const holds = targetHolds(m, target);
    out.push(listed('targets', holds, `target ${target.name}`, w.targets));
  }
  if (w.environments) {
    const holds = environmentHolds(m, target);
    out.push(listed('environments', holds, `environment ${target.environment}`, w.environments));
  }
  if (w.databases) {
    const holds = databaseHolds(m, database);
    out.push(listed('databases', holds, `database ${database}`, w.databases));
  }
  return out;
}

function contentConditions(m: RuleMatcher, facts: StatementFacts, kind: StatementKind): ConditionTrace[] {
  return kind === 'unknown' ? unanalysedConditions(m) : analysedConditions(m, facts, kind);
}

function analysedConditions(m: RuleMatcher, facts: StatementFacts, kind: StatementKind): ConditionTrace[] {
  const out: ConditionTrace[] = [];
  const w = m.rule.when;
  if (w.kinds) out.push(listed('kinds', w.kinds.includes(kind), `kind ${kind}`, w.kinds));
  if (w.unknown !== undefined) {
    out.push({
      condition: 'unknown',
      holds: w.unknown === false,
      detail:
        w.unknown === false
          ? `the statement was analysed (kind ${kind})`
          : `the statement was analysed (kind ${kind}); this rule only matches statements that could not be analysed`,
    });
  }
  if (w.tables)
    out.push({ condition: 'tables', holds: tablesHold(m, facts), detail: tablesDetail(m, facts) });
  if (w.guardrails) {
    out.push({
      condition: 'guardrails',
      holds: guardrailsHold(m, facts),
      detail: guardrailsDetail(m, facts),
    });
  }
  return out;
}

/** A statement that could not be analysed: guarding rules assume the worst, allow rules must name it. */
function unanalysedConditions(m: RuleMatcher): ConditionTrace[] {
  const out: ConditionTrace[] = [];
  const w = m.rule.when;
  const guard = m.guarding;
  const howRead = guard
    ? 'a deny or review rule treats it as matching'
    : 'an allow rule does not match it unless it names unknown statements (unknown: true or kinds: [unknown])';
  if (w.unknown !== undefined) {
    out.push({
      condition: 'unknown',
      holds: w.unknown,
      detail: w.unknown
        ? 'the statement could not be analysed'
        : 'the statement could not be analysed; this rule excludes such statements',
    });
  }
  if (w.kinds) {
    const named = w.kinds.includes('unknown');
    out.push({
      condition: 'kinds',
      holds: named || guard,
      detail: named
        ? 'the statement could not be analysed, and kinds include unknown'
        : `the statement could not be analysed, so it may be ${w.kinds.join(' or ')}; ${howRead}`,
    });
  }
  if (w.unknown === undefined && w.kinds === undefined) {
    out.push({
      condition: 'unanalysed',
      holds: guard,
      detail: `the statement could not be analysed; ${howRead}`,
    });
  }
  for (const key of ['tables', 'guardrails'] as const) {
    if (w[key] === undefined) continue;
    out.push({
      condition: key,
      holds: guard,
      detail: guard
        ? `${key} cannot be checked on a statement that could not be analysed; a deny or review rule treats them as matching`
        : `${key} cannot be checked on a statement that could not be analysed, so an allow rule does not match`,
    });
  }
  return out;
}

function listed(
  condition: RuleConditionKey,
  holds: boolean,
  what: string,
  list: readonly string[],
): ConditionTrace {
  return {
    condition,
    holds,
    detail: holds ? `${what} is listed` : `${what} is not one of ${list.join(', ')}`,
  };
}

function tablesDetail(m: RuleMatcher, facts: StatementFacts): string {
  const globs = m.tables ?? [];
  const patterns = globs.map((g) => g.pattern).join(', ');
  const tables: TableRef[] = [...facts.tablesWritten, ...facts.tablesRead];
  if (tables.length === 0) {
    return m.guarding
      ? 'the statement touches no tables'
      : 'the statement touches no tables; an allow rule with tables needs at least one';
  }
  if (m.guarding) {
    for (const t of tables) {
      const g = globs.find((glob) => tableMayMatch(glob, t));
      if (g === undefined) continue;
      const why =
        t.schema === null && g.schema !== null
          ? ' (an unqualified name may resolve to any schema on the search path)'
          : '';
      return `${formatTable(t)} matches ${g.pattern}${why}`;
    }
    return `none of ${uniqueNames(tables)} matches ${patterns}`;
  }
  const missing = tables.find((t) => !globs.some((g) => tableSurelyMatches(g, t)));
  if (missing === undefined) return `every table (${uniqueNames(tables)}) matches ${patterns}`;
  const name = formatTable(missing);
  let why = '';
  if (globs.some((g) => tableMayMatch(g, missing))) {
    why =
      missing.schema === null
        ? `; it is unqualified and may resolve to any schema, so an allow rule matches it only with a pattern such as ${missing.name} or *.${missing.name}`
        : '; the letter case differs, and allow rules compare case exactly';
  }
  return `${name} matches none of ${patterns}${why} (an allow rule needs every table to match)`;
}

function guardrailsDetail(m: RuleMatcher, facts: StatementFacts): string {
  const fired = [...new Set(facts.guardrails.map((f) => f.id))];
  const list = m.rule.when.guardrails ?? [];
  if (fired.length === 0)
    return m.anyGuardrail ? 'no guardrail fired' : `no guardrail fired (needs ${list.join(', ')})`;
  if (m.anyGuardrail) return `${fired.length === 1 ? 'guardrail' : 'guardrails'} ${fired.join(', ')} fired`;
  if (m.guarding) {
    const hit = fired.filter((id) => list.includes(id));
    return hit.length > 0
      ? `guardrail ${hit.join(', ')} fired`
      : `fired ${fired.join(', ')}, none of ${list.join(', ')}`;
  }
  const unlisted = fired.filter((id) => !list.includes(id));
  return unlisted.length === 0
    ? `every guardrail that fired (${fired.join(', ')}) is listed`
    : `${unlisted.join(', ')} fired and ${unlisted.length === 1 ? 'is' : 'are'} not listed (an allow rule must list every guardrail that fired)`;
}

function uniqueNames(tables: readonly TableRef[]): string {
  return [...new Set(tables.map(formatTable))].join(', ');
}
