import type { GuardrailFinding, StatementFacts, TableRef } from '../analysis/statement-facts';
import type { PolicyInput, PolicyVerdict } from './policy';
import { BuiltinRuleId, type PolicyRule } from './policy-rule';
import { effectiveKind, type RuleMatcher } from './rule-matcher';
import { formatTable } from './table-glob';

// Every reason here is built from the statement's command tag, table names,
// guardrail ids and the analyser's guardrail details (which carry no literal
// values by contract), never from the SQL text: reasons reach clients and logs.

const MAX_TABLES_SHOWN = 3;

/** `DELETE on public.orders`, `CREATE TABLE on app.t1, app.t2 and 3 more`, `SELECT`. */
export function describeStatement(facts: StatementFacts): string {
  const what = facts.command.length > 0 ? facts.command : `a ${facts.kind} statement`;
  const tables = tableNames(facts);
  if (tables.length === 0) return what;
  const shown = tables.slice(0, MAX_TABLES_SHOWN).join(', ');
  const more = tables.length > MAX_TABLES_SHOWN ? ` and ${tables.length - MAX_TABLES_SHOWN} more` : '';
  return `${what} on ${shown}${more}`;
}

/** Written tables first (they are what a denial is usually about), then read ones; each once. */
export function tableNames(facts: StatementFacts): string[] {
  // Statements name a handful of tables: a linear `includes` beats a Set here.
  const names: string[] = [];
  const add = (tables: readonly TableRef[]): void => {
    for (let i = 0; i < tables.length; i++) {
      const name = formatTable(tables[i]!);
      if (!names.includes(name)) names.push(name);
    }
  };
  add(facts.tablesWritten);
  add(facts.tablesRead);
  return names;
}

/** Allow verdicts depend only on the rule, so each is built once at compile time. */
export function allowVerdict(rule: PolicyRule): PolicyVerdict {
  return Object.freeze({
    action: 'allow',
    ruleId: rule.id,
    reason: rule.reason ?? `allowed by rule ${rule.id}`,
  });
}

/** A rule matched a statement that was analysed. */
export function matchedVerdict(m: RuleMatcher, facts: StatementFacts): PolicyVerdict {
  if (m.rule.action === 'allow') return allowVerdict(m.rule);
  return guardingVerdict(m, facts);
}

/** A deny or review rule matched a statement that was analysed. */
export function guardingVerdict(m: RuleMatcher, facts: StatementFacts): PolicyVerdict {
  const rule = m.rule;
  const fired = m.anyGuardrail || m.guardrails !== null ? firedFindings(m, facts) : [];
  let reason: string;
  if (rule.reason !== undefined) {
    reason = fired.length > 0 ? `${rule.reason} (${guardrailLabel(fired)})` : rule.reason;
  } else {
    const verb = rule.action === 'review' ? 'requires approval because of' : 'is blocked by';
    const details = fired.map(sentence).filter((d) => d.length > 0);
    reason =
      fired.length > 0
        ? `${describeStatement(facts)} ${verb} ${guardrailLabel(fired)}${details.length > 0 ? `: ${details.join('; ')}` : ''}`
        : `${describeStatement(facts)} ${rule.action === 'review' ? 'requires approval' : 'is denied by policy'}`;
  }
  return withApprovers({ action: rule.action, ruleId: rule.id, reason }, rule);
}

/** A deny or review rule with a configured reason and no guardrail to name: the same for every statement. */
export function configuredVerdict(rule: PolicyRule, reason: string): PolicyVerdict {
  return Object.freeze(withApprovers({ action: rule.action, ruleId: rule.id, reason }, rule));
}

/** A rule that names unknown statements matched one: its action applies. */
export function unknownNamedVerdict(m: RuleMatcher): PolicyVerdict {
  const rule = m.rule;
  if (rule.action === 'allow') return allowVerdict(rule);
  const reason =
    rule.reason ??
    (rule.action === 'review'
      ? 'the statement could not be analysed and requires approval'
      : 'the statement could not be analysed and is denied');
  return Object.freeze(withApprovers({ action: rule.action, ruleId: rule.id, reason }, rule));
}

/**
 * A deny or review rule that does not name unknown statements met one whose
 * content it cannot rule out. Fail closed: denied by that rule. A review rule
 * denies too: only a rule that names unknown statements may send them for
 * approval.
 */
export function unknownUncertainVerdict(m: RuleMatcher): PolicyVerdict {
  const reason =
    m.rule.action === 'review'
      ? 'the statement could not be analysed, so it cannot be sent for approval under this rule'
      : 'the statement could not be analysed and may be what this rule denies';
  return Object.freeze({ action: 'deny', ruleId: m.rule.id, reason });
}

export function defaultDenyVerdict(input: PolicyInput): PolicyVerdict {
  if (effectiveKind(input.facts.kind) === 'unknown') {
    return {
      action: 'deny',
      ruleId: BuiltinRuleId.defaultDeny,
      reason: 'the statement could not be analysed and no policy rule allows unknown statements',
    };
  }
  return {
    action: 'deny',
    ruleId: BuiltinRuleId.defaultDeny,
    reason: `no policy rule allows ${describeStatement(input.facts)} for ${input.identity.subject} on target ${input.target.name}`,
  };
}

/** The findings that made the rule's guardrail condition hold, one per id. */
function firedFindings(m: RuleMatcher, facts: StatementFacts): GuardrailFinding[] {
  const out: GuardrailFinding[] = [];
  for (const f of facts.guardrails) {
    if (!(m.anyGuardrail || m.guardrails === null || m.guardrails.has(f.id))) continue;
    if (!out.some((o) => o.id === f.id)) out.push(f);
  }
  return out;
}

function guardrailLabel(findings: readonly GuardrailFinding[]): string {
  return `${findings.length === 1 ? 'guardrail' : 'guardrails'} ${findings.map((f) => f.id).join(', ')}`;
}

function sentence(f: GuardrailFinding): string {
  return f.detail.trim().replace(/[.\s]+$/, '');
}

function withApprovers(verdict: PolicyVerdict, rule: PolicyRule): PolicyVerdict {
  if (
    rule.action !== 'review' ||
    (rule.approvers === undefined && rule.required === undefined && rule.grant === undefined)
  )
    return verdict;
  // Built field by field: conditional object spreads are a slow path on every statement.
  const out: { -readonly [K in keyof PolicyVerdict]: PolicyVerdict[K] } = {
    action: verdict.action,
    ruleId: verdict.ruleId,
    reason: verdict.reason,
  };
  if (rule.approvers !== undefined) out.approvers = rule.approvers;
  if (rule.required !== undefined) out.required = rule.required;
  if (rule.grant !== undefined) out.grant = rule.grant;
  return out;
}
