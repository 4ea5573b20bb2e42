import type { AllowDecision, DenyDecision, Pipeline, StatementEvent } from '@gatehouse/sql-core';

/** A protocol-level prepared statement as it was judged. */
export interface Judged {
  readonly name: string;
  /** Null when the statement was forgotten past the bound: it cannot be judged again. */
  readonly sql: string | null;
  readonly parameterTypes: readonly number[];
  generation: number;
}

/** A statement judged again and allowed: what runs next follows this decision (its mask plan). */
export type OnRejudged = (judged: Judged & { readonly sql: string }, decision: AllowDecision) => void;

/** Bounds one session's memory of protocol-level prepared statements. */
const MAX_REMEMBERED = 10_000;

/**
 * Which policy judged each protocol-level prepared statement (Parse with a
 * name, or the unnamed one), so that a Bind after a policy reload judges it
 * again before it runs: JDBC, pgx and pools keep statements prepared for a
 * session's whole life. Costs nothing per Bind until the policy changes.
 */
export class PreparedJudgements {
  readonly #byName = new Map<string, Judged>();
  /** The oldest policy generation any remembered statement was judged under. */
  #oldest = Number.POSITIVE_INFINITY;
  /** Some statement was forgotten: after a reload, an unknown name cannot be trusted. */
  #forgotSome = false;
  #forgotAt = 0;
  readonly #onRejudged: OnRejudged | null;

  /** `onRejudged`: told of every statement allowed again after a reload (result masking takes its new plan). */
  constructor(onRejudged: OnRejudged | null = null) {
    this.#onRejudged = onRejudged;
  }

  remember(name: string, sql: string, parameterTypes: readonly number[], generation: number): void {
    if (this.#byName.size >= MAX_REMEMBERED && !this.#byName.has(name)) {
      const first = this.#byName.keys().next().value;
      if (first !== undefined) this.#byName.delete(first);
      this.#forgotSome = true;
      this.#forgotAt = Math.max(this.#forgotAt, generation);
    }
    this.#byName.delete(name);
    this.#byName.set(name, { name, sql, parameterTypes, generation });
    if (generation < this.#oldest) this.#oldest = generation;
  }

  forget(name: string): void {
    this.#byName.delete(name);
  }

  /**
   * The statement a Bind names, when it was judged under an older policy than
   * `generation`; null when it is current (or unknown to the gateway, which
   * means the upstream does not have it either).
   */
  stale(bindPayload: Buffer, generation: number): Judged | null {
    if (this.#oldest >= generation && !(this.#forgotSome && this.#forgotAt < generation)) return null;
    const name = boundStatementName(bindPayload);
    if (name === null) return null;
    const judged = this.#byName.get(name);
    if (judged === undefined) {
      return this.#forgotSome && this.#forgotAt < generation
        ? { name, sql: null, parameterTypes: [], generation: this.#forgotAt }
        : null;
    }
    return judged.generation < generation ? judged : null;
  }

  /**
   * Before a Bind: the denial, when the statement it binds was judged under an
   * older policy and the current one refuses it; null when it may run (it is
   * then marked as judged under the current policy, and its new decision,
   * with the mask plan its results now need, goes to `onRejudged`).
   */
  recheck(
    bindPayload: Buffer,
    pipeline: Pick<Pipeline, 'policyGeneration' | 'rejudge'>,
    event: (sql: string) => StatementEvent,
  ): { event: StatementEvent; decision: DenyDecision } | null {
    const generation = pipeline.policyGeneration;
    const stale = this.stale(bindPayload, generation);
    if (stale === null) return null;
    const e = event(stale.sql ?? '');
    if (stale.sql === null) {
      const reason =
        'the policy changed and this prepared statement is no longer known to the gateway; prepare it again';
      return {
        event: e,
        decision: { action: 'deny', ruleId: 'policy-changed', reason, code: 'policy_denied', statements: [] },
      };
    }
    const decision = pipeline.rejudge(e);
    if (decision.action === 'allow') {
      this.judged(stale, generation);
      this.#onRejudged?.({ ...stale, sql: stale.sql }, decision);
      return null;
    }
    return { event: e, decision: decision as DenyDecision };
  }

  /** Close of a prepared statement ('S'): forgotten, as the upstream forgets it. */
  closed(closePayload: Buffer): void {
    if (closePayload[0] !== 0x53 /* 'S' */) return;
    const end = closePayload.indexOf(0, 1);
    if (end > 0) this.forget(closePayload.toString('utf8', 1, end));
  }

  /** The statement passed under the current policy. */
  judged(judged: Judged, generation: number): void {
    judged.generation = generation;
    let oldest = Number.POSITIVE_INFINITY;
    for (const j of this.#byName.values()) if (j.generation < oldest) oldest = j.generation;
    this.#oldest = oldest;
  }
}

/** Bind's second field: the portal name, then the statement name, both NUL-terminated. */
function boundStatementName(payload: Buffer): string | null {
  const portalEnd = payload.indexOf(0);
  if (portalEnd < 0) return null;
  const nameEnd = payload.indexOf(0, portalEnd + 1);
  if (nameEnd < 0) return null;
  return payload.toString('utf8', portalEnd + 1, nameEnd);
}
