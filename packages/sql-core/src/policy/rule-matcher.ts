import { StatementKind, type StatementFacts } from '../analysis/statement-facts';
import type { Identity } from '../identity/identity';
import type { TargetRef } from '../identity/target';
import type { PolicyRule } from './policy-rule';
import { compileTableGlob, tableMayMatch, tableSurelyMatches, type TableGlob } from './table-glob';

/**
 * A rule prepared for evaluation: every list turned into a set once, every
 * table pattern compiled once. Internal to the policy; `PolicyRule` is the
 * public, plain-data face of the same rule.
 */
export interface RuleMatcher {
  readonly rule: PolicyRule;
  readonly identities: ReadonlySet<string> | null;
  readonly groups: ReadonlySet<string> | null;
  readonly targets: ReadonlySet<string> | null;
  readonly environments: ReadonlySet<string> | null;
  readonly databases: ReadonlySet<string> | null;
  /** From `kinds` and `unknown: true`; null when neither narrows the kind. */
  readonly kinds: ReadonlySet<StatementKind> | null;
  /** The rule explicitly covers statements that could not be analysed. */
  readonly namesUnknown: boolean;
  /** `unknown: false`: the rule never applies to statements that could not be analysed. */
  readonly excludesUnknown: boolean;
  /** `guardrails: ['*']`. */
  readonly anyGuardrail: boolean;
  readonly guardrails: ReadonlySet<string> | null;
  readonly tables: readonly TableGlob[] | null;
  /**
   * Deny and review rules guard; allow rules grant. Where analysis leaves
   * something uncertain (an unqualified table, a statement it could not
   * analyse), a guarding rule reads it as a match and a granting rule as a
   * miss, so uncertainty never widens what is allowed.
   */
  readonly guarding: boolean;
}

export function buildRuleMatcher(rule: PolicyRule): RuleMatcher {
  const w = rule.when;
  const namesUnknown = w.unknown === true || (w.kinds?.includes('unknown') ?? false);
  // `unknown: true` narrows to unknown statements (validation made sure any `kinds` include unknown).
  const kinds: ReadonlySet<StatementKind> | null =
    w.unknown === true ? new Set<StatementKind>(['unknown']) : setOf(w.kinds);
  const anyGuardrail = w.guardrails?.includes('*') ?? false;
  return {
    rule,
    identities: setOf(w.identities),
    groups: setOf(w.groups),
    targets: setOf(w.targets),
    environments: setOf(w.environments),
    databases: setOf(w.databases),
    kinds,
    namesUnknown,
    excludesUnknown: w.unknown === false,
    anyGuardrail,
    guardrails: anyGuardrail ? null : setOf(w.guardrails),
    tables: w.tables ? w.tables.map(mustCompile) : null,
    guarding: rule.action !== 'allow',
  };
}

// ---- who and where: fixed for a session, so the index evaluates them once per scope.

export function identityHolds(m: RuleMatcher, identity: Identity): boolean {
  return m.identities === null || m.identities.has(identity.subject);
}

export function groupsHold(m: RuleMatcher, identity: Identity): boolean {
  if (m.groups === null) return true;
  for (const g of identity.groups) if (m.groups.has(g)) return true;
  return false;
}

export function targetHolds(m: RuleMatcher, target: TargetRef): boolean {
  return m.targets === null || m.targets.has(target.name);
}

export function environmentHolds(m: RuleMatcher, target: TargetRef): boolean {
  return m.environments === null || m.environments.has(target.environment);
}

export function databaseHolds(m: RuleMatcher, database: string): boolean {
  return m.databases === null || m.databases.has(database);
}

export function scopeHolds(m: RuleMatcher, identity: Identity, target: TargetRef, database: string): boolean {
  return (
    identityHolds(m, identity) &&
    groupsHold(m, identity) &&
    targetHolds(m, target) &&
    environmentHolds(m, target) &&
    databaseHolds(m, database)
  );
}

// ---- what: the statement's content.

const ANALYSED_KINDS: ReadonlySet<string> = new Set(
  Object.values(StatementKind).filter((k) => k !== 'unknown'),
);

/** The kind rules see: one outside the closed set is treated as unknown (fail closed). */
export function effectiveKind(kind: string): StatementKind {
  return ANALYSED_KINDS.has(kind) ? (kind as StatementKind) : StatementKind.unknown;
}

/** How a rule whose who/where conditions hold treats a statement of one kind. */
export const KindFit = {
  /** The kind conditions exclude this kind. */
  none: 0,
  /** The kind fits; tables and guardrails still decide. */
  check: 1,
  /** An unanalysed statement and a rule that names unknown statements: its action applies. */
  unknownNamed: 2,
  /** An unanalysed statement that a guarding rule cannot rule out: denied by that rule. */
  unknownUncertain: 3,
} as const;
export type KindFit = (typeof KindFit)[keyof typeof KindFit];

/**
 * For an unanalysed statement the tables and guardrails are not to be
 * trusted: a guarding rule assumes its conditions may hold; an allow rule
 * must name unknown statements and can then require nothing of their content.
 */
export function kindFit(m: RuleMatcher, kind: StatementKind): KindFit {
  if (kind !== 'unknown') return m.kinds === null || m.kinds.has(kind) ? KindFit.check : KindFit.none;
  if (m.excludesUnknown) return KindFit.none;
  if (m.namesUnknown) {
    if (m.guarding) return KindFit.unknownNamed;
    return m.tables === null && m.guardrails === null && !m.anyGuardrail
      ? KindFit.unknownNamed
      : KindFit.none;
  }
  return m.guarding ? KindFit.unknownUncertain : KindFit.none;
}

export function guardrailsHold(m: RuleMatcher, facts: StatementFacts): boolean {
  const found = facts.guardrails;
  if (m.anyGuardrail) return found.length > 0;
  const listed = m.guardrails;
  if (listed === null) return true;
  if (m.guarding) {
    for (const f of found) if (listed.has(f.id)) return true;
    return false;
  }
  // An allow rule grants only what it lists: every guardrail that fired must be listed.
  if (found.length === 0) return false;
  for (const f of found) if (!listed.has(f.id)) return false;
  return true;
}

export function tablesHold(m: RuleMatcher, facts: StatementFacts): boolean {
  const globs = m.tables;
  if (globs === null) return true;
  if (m.guarding) {
    return anyTableMayMatch(globs, facts.tablesWritten) || anyTableMayMatch(globs, facts.tablesRead);
  }
  // An allow rule grants only what it names: every table touched must match, and there must be one.
  if (facts.tablesWritten.length + facts.tablesRead.length === 0) return false;
  return (
    everyTableSurelyMatches(globs, facts.tablesWritten) && everyTableSurelyMatches(globs, facts.tablesRead)
  );
}

/** The content conditions of a rule whose kind fit is `check`. */
export function contentHolds(m: RuleMatcher, facts: StatementFacts): boolean {
  return tablesHold(m, facts) && guardrailsHold(m, facts);
}

function anyTableMayMatch(globs: readonly TableGlob[], tables: StatementFacts['tablesRead']): boolean {
  for (const t of tables) for (const g of globs) if (tableMayMatch(g, t)) return true;
  return false;
}

function everyTableSurelyMatches(globs: readonly TableGlob[], tables: StatementFacts['tablesRead']): boolean {
  for (const t of tables) {
    let ok = false;
    for (const g of globs) {
      if (tableSurelyMatches(g, t)) {
        ok = true;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

function setOf<T>(list: readonly T[] | undefined): ReadonlySet<T> | null {
  return list === undefined ? null : new Set(list);
}

function mustCompile(pattern: string): TableGlob {
  const glob = compileTableGlob(pattern);
  // Validation compiled every pattern already; reaching this is a bug, and it fails closed by throwing.
  if ('error' in glob) throw new Error(`table pattern ${JSON.stringify(pattern)} ${glob.error}`);
  return glob;
}
