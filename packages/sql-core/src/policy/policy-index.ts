import { StatementKind } from '../analysis/statement-facts';
import type { Identity } from '../identity/identity';
import type { TargetRef } from '../identity/target';
import type { PolicyInput, PolicyVerdict } from './policy';
import { contentHolds, KindFit, kindFit, scopeHolds, type RuleMatcher } from './rule-matcher';
import {
  allowVerdict,
  configuredVerdict,
  defaultDenyVerdict,
  guardingVerdict,
  unknownNamedVerdict,
  unknownUncertainVerdict,
} from './verdict-reason';

const KINDS: readonly StatementKind[] = Object.values(StatementKind);
const KIND_INDEX: ReadonlyMap<string, number> = new Map(KINDS.map((k, i) => [k, i]));
const UNKNOWN_INDEX = KINDS.indexOf('unknown');

/** A rule that can still match once who, where and the kind are known. */
interface Candidate {
  readonly m: RuleMatcher;
  /** Tables or guardrails still decide. */
  readonly needsContent: boolean;
  /** Set when the verdict does not depend on the statement. */
  readonly verdict: PolicyVerdict | null;
}

/**
 * Who and where are fixed for a session, so the rules they rule out are
 * dropped once per (identity, target, database), and what is left is split
 * by statement kind. Evaluating a statement then walks a short list.
 */
interface Scope {
  readonly subject: string;
  readonly groups: readonly string[];
  readonly targetName: string;
  readonly environment: string;
  readonly database: string;
  /** Candidates in rule order, per kind index (the unknown slot is empty). */
  readonly byKind: readonly (readonly Candidate[])[];
  /** The verdict for any statement that could not be analysed. */
  readonly unknownVerdict: PolicyVerdict | null;
}

/** Scopes kept per identity object; sessions reuse one identity object, so this is normally 1. */
const SCOPES_PER_IDENTITY = 8;

export class PolicyIndex {
  readonly #matchers: readonly RuleMatcher[];
  /** Everything about a rule that does not depend on the session, built once. */
  readonly #candidates: readonly Candidate[];
  /** Per kind index, the positions of the rules whose kind conditions admit it, in order. */
  readonly #byKind: readonly (readonly number[])[];
  /** Per rule, its verdict for a statement that could not be analysed, or null if it never matches one. */
  readonly #unknownVerdicts: readonly (PolicyVerdict | null)[];
  // Keyed by the identity object so scopes are dropped with their sessions.
  // A hit is re-checked field by field, so a reused or mutated object never
  // gets another identity's rules.
  readonly #scopes = new WeakMap<Identity, Scope[]>();

  constructor(matchers: readonly RuleMatcher[]) {
    this.#matchers = matchers;
    this.#candidates = matchers.map(candidateFor);
    this.#byKind = KINDS.map((kind) =>
      kind === 'unknown' ? [] : matchers.flatMap((m, i) => (kindFit(m, kind) === KindFit.check ? [i] : [])),
    );
    this.#unknownVerdicts = matchers.map((m) => {
      const fit = kindFit(m, 'unknown');
      if (fit === KindFit.unknownNamed) return unknownNamedVerdict(m);
      if (fit === KindFit.unknownUncertain) return unknownUncertainVerdict(m);
      return null;
    });
  }

  evaluate(input: PolicyInput): PolicyVerdict {
    const scope = this.#scopeFor(input.identity, input.target, input.database);
    const facts = input.facts;
    const k = KIND_INDEX.get(facts.kind);
    // A kind outside the closed set is treated as unknown (fail closed).
    if (k === undefined || k === UNKNOWN_INDEX) return scope.unknownVerdict ?? defaultDenyVerdict(input);
    const candidates = scope.byKind[k]!;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      if (c.needsContent && !contentHolds(c.m, facts)) continue;
      return c.verdict ?? guardingVerdict(c.m, facts);
    }
    return defaultDenyVerdict(input);
  }

  #scopeFor(identity: Identity, target: TargetRef, database: string): Scope {
    const cached = this.#scopes.get(identity);
    if (cached !== undefined) {
      for (const s of cached) if (sameScope(s, identity, target, database)) return s;
    }
    const scope = this.#buildScope(identity, target, database);
    if (cached === undefined) this.#scopes.set(identity, [scope]);
    else {
      if (cached.length >= SCOPES_PER_IDENTITY) cached.shift();
      cached.push(scope);
    }
    return scope;
  }

  #buildScope(identity: Identity, target: TargetRef, database: string): Scope {
    assertScopeInput(identity, target, database);
    const inScope = this.#matchers.map((m) => scopeHolds(m, identity, target, database));
    const byKind = this.#byKind.map((rules) => {
      const list: Candidate[] = [];
      for (const i of rules) if (inScope[i]) list.push(this.#candidates[i]!);
      return list;
    });
    let unknownVerdict: PolicyVerdict | null = null;
    for (let i = 0; i < inScope.length && unknownVerdict === null; i++) {
      if (inScope[i]) unknownVerdict = this.#unknownVerdicts[i]!;
    }
    return {
      subject: identity.subject,
      groups: [...identity.groups],
      targetName: target.name,
      environment: target.environment,
      database,
      byKind,
      unknownVerdict,
    };
  }
}

function candidateFor(m: RuleMatcher): Candidate {
  const rule = m.rule;
  const needsContent = m.tables !== null || m.guardrails !== null || m.anyGuardrail;
  const hasGuardrailCondition = m.guardrails !== null || m.anyGuardrail;
  let verdict: PolicyVerdict | null = null;
  if (rule.action === 'allow') verdict = allowVerdict(rule);
  // A configured reason with no guardrail to name makes the verdict independent of the statement.
  else if (rule.reason !== undefined && !hasGuardrailCondition)
    verdict = configuredVerdict(rule, rule.reason);
  return { m, needsContent, verdict };
}

function sameScope(s: Scope, identity: Identity, target: TargetRef, database: string): boolean {
  if (
    s.subject !== identity.subject ||
    s.targetName !== target.name ||
    s.environment !== target.environment ||
    s.database !== database
  ) {
    return false;
  }
  const groups = identity.groups;
  if (groups.length !== s.groups.length) return false;
  for (let i = 0; i < groups.length; i++) if (groups[i] !== s.groups[i]) return false;
  return true;
}

/** Malformed input throws; the pipeline turns a throwing policy into a denial. */
export function assertScopeInput(identity: Identity, target: TargetRef, database: string): void {
  if (typeof identity !== 'object' || identity === null || typeof identity.subject !== 'string') {
    throw new TypeError('policy input: identity.subject must be a string');
  }
  if (!Array.isArray(identity.groups) || !identity.groups.every((g) => typeof g === 'string')) {
    throw new TypeError('policy input: identity.groups must be a list of strings');
  }
  if (typeof target !== 'object' || target === null || typeof target.name !== 'string') {
    throw new TypeError('policy input: target.name must be a string');
  }
  if (typeof target.environment !== 'string') {
    throw new TypeError('policy input: target.environment must be a string');
  }
  if (typeof database !== 'string') throw new TypeError('policy input: database must be a string');
}
