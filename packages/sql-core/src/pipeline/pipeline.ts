import type { Logger } from 'pino';
import type { Dialect, StatementAnalyser, StatementFacts } from '../analysis/statement-facts';
import {
  authFailedEvent,
  sessionEndEvent,
  sessionStartEvent,
  type AuthFailure,
  type SessionTotals,
} from '../audit/session-event-builders';
import { statementOutcomeEvent } from '../audit/statement-event-builders';
import { GatewayError, GatewayErrorCode } from '../errors/gateway-error';
import type { MaskPlan } from '../masking/mask-plan';
import type { Policy, PolicyVerdict } from '../policy/policy';
import type { SessionContext } from '../session/session-context';
import type { ApprovalGate } from './approval-gate';
import type { AuditTrail } from './audit-trail';
import type { AllowDecision, Decision, DenyDecision } from './decision';
import type { MaskDenial, MaskPlanner } from './mask-planner';
import { reviewStatement } from './review';
import { NO_HOOKS, type StatementHooks } from './statement-hooks';
import type { StatementEvent, StatementOutcome } from './statement-event';

export interface PipelineDeps {
  readonly analysers: Partial<Record<Dialect, StatementAnalyser>>;
  readonly policy: Policy;
  readonly logger: Logger;
  /** Without an audit trail nothing is recorded: only for tests and tools that run nothing. */
  readonly audit?: AuditTrail | null;
  /** Without approvals a `review` verdict is a denial saying approvals are not configured. */
  readonly approvals?: ApprovalGate | null;
  readonly masking?: MaskPlanner | null;
}

/** Strictness order: the strictest verdict of a multi-statement string wins. */
const STRICTNESS = { allow: 0, review: 1, deny: 2 } as const;

/**
 * The one path every statement takes, whichever engine received it:
 * analyse -> decide -> (hold for approval) -> audit. Engines never decide;
 * they forward what this allows and report how it ended.
 */
export class Pipeline {
  #deps: PipelineDeps;
  #policyGeneration = 0;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /** Swap the policy whole (reload); statements already decided are unaffected. */
  setPolicy(policy: Policy): void {
    this.#deps = { ...this.#deps, policy };
    this.#policyGeneration++;
  }

  /** Changes with every setPolicy: engines re-judge statements prepared under an older policy. */
  get policyGeneration(): number {
    return this.#policyGeneration;
  }

  /**
   * Judges again, under the current policy, a statement that was prepared
   * (and recorded) under an older one, before it runs again. Synchronous:
   * allowed as before, or denied (a statement that now needs review must be
   * prepared again, so the review happens where it can wait). A denial is
   * recorded; an allow needs no new intent, the statement's is on record.
   */
  rejudge(event: StatementEvent): Decision {
    const { statements, verdict } = this.decide(event);
    const masking = verdict?.action === 'allow' ? this.#maskPlan(event, statements) : null;
    if (verdict?.action === 'allow' && (masking === null || !('deny' in masking))) {
      return this.#allowed(event, verdict.ruleId, statements, null, masking);
    }
    const changed = '(the policy changed since this statement was prepared)';
    const denial =
      masking !== null && 'deny' in masking
        ? deny(masking.ruleId, `${masking.deny} ${changed}`, GatewayErrorCode.policyDenied, statements)
        : deny(
            verdict?.ruleId ?? 'default-deny',
            verdict === null
              ? 'the statement is empty'
              : verdict.action === 'review'
                ? `the statement now needs approval (${verdict.reason}) ${changed}; prepare it again`
                : `${verdict.reason} ${changed}`,
            statements.some((s) => s.kind === 'unknown')
              ? GatewayErrorCode.analysisFailed
              : GatewayErrorCode.policyDenied,
            statements,
          );
    const audit = this.#deps.audit;
    audit?.noteIntent(event, denial);
    return denial;
  }

  /** Analysis and policy only: what would happen, without recording or holding anything. */
  decide(event: StatementEvent): { statements: readonly StatementFacts[]; verdict: PolicyVerdict | null } {
    const dialect: Dialect = event.session.target.engine;
    const analyser = this.#deps.analysers[dialect];
    const statements: readonly StatementFacts[] = analyser
      ? analyser.analyse(event.sql, event.prepared ? { prepared: event.prepared.lookup } : undefined)
          .statements
      : [unanalysable(`no analyser for ${dialect}`)];
    let verdict: PolicyVerdict | null = null;
    for (const facts of statements) {
      const v = this.#evaluate(event, facts);
      if (verdict === null || STRICTNESS[v.action] > STRICTNESS[verdict.action]) verdict = v;
    }
    return { statements, verdict };
  }

  /**
   * Decides one client string. Synchronous when nothing has to wait (no
   * audit sink that writes asynchronously, no review); otherwise a Promise,
   * during which the engine holds the session's later messages.
   */
  onStatement(event: StatementEvent, hooks: StatementHooks = NO_HOOKS): Decision | Promise<Decision> {
    const { statements, verdict } = this.decide(event);
    // An empty string (only comments or whitespace) carries no statement: the server answers it itself.
    if (verdict === null) return this.#allow(event, 'empty-statement', statements, null);
    // Masking may refuse what policy allows (side channels, strict mode), before anything waits.
    const masking = verdict.action === 'deny' ? null : this.#maskPlan(event, statements);
    if (masking !== null && 'deny' in masking) {
      return this.#record(
        event,
        deny(masking.ruleId, masking.deny, GatewayErrorCode.policyDenied, statements),
      );
    }

    if (verdict.action === 'allow') return this.#allow(event, verdict.ruleId, statements, masking);
    event.session.logger.info(
      { rule: verdict.ruleId, action: verdict.action, seq: event.seq },
      'statement not allowed',
    );
    if (verdict.action === 'deny') {
      const unknown = statements.some((s) => s.kind === 'unknown');
      const code = unknown ? GatewayErrorCode.analysisFailed : GatewayErrorCode.policyDenied;
      return this.#record(event, deny(verdict.ruleId, verdict.reason, code, statements));
    }
    const gate = this.#deps.approvals;
    if (!gate) {
      return this.#record(
        event,
        deny(
          verdict.ruleId,
          `approval required (${verdict.reason}) but approvals are not configured`,
          'approval_denied',
          statements,
        ),
      );
    }
    return reviewStatement({
      event,
      statements,
      verdict,
      gate,
      audit: this.#deps.audit ?? null,
      hooks,
      allow: (id) => this.#allowed(event, verdict.ruleId, statements, id, masking),
    });
  }

  /** Called by the engine once the upstream has answered a forwarded statement. */
  onStatementEnd(event: StatementEvent, outcome: StatementOutcome): void {
    this.#deps.audit?.note(statementOutcomeEvent(event.session, event.seq, outcome));
  }

  /** A session passed authentication and reached its upstream; refuses it when the record cannot be written. */
  async onSessionStart(session: SessionContext, upstreamUser: string): Promise<void> {
    await this.#deps.audit?.required(sessionStartEvent(session, upstreamUser));
  }

  onSessionEnd(session: SessionContext, totals: SessionTotals): void {
    this.#deps.audit?.note(sessionEndEvent(session, totals));
  }

  onAuthFailed(failure: AuthFailure): void {
    this.#deps.audit?.note(authFailedEvent(failure));
  }

  #allow(
    event: StatementEvent,
    ruleId: string,
    statements: readonly StatementFacts[],
    maskPlan: MaskPlan | null,
  ): Decision | Promise<Decision> {
    return this.#record(event, this.#allowed(event, ruleId, statements, null, maskPlan));
  }

  /**
   * The planner's answer; a planner that throws denies (fail closed), and so
   * does a plan the engine said it cannot apply to this statement's result.
   */
  #maskPlan(event: StatementEvent, statements: readonly StatementFacts[]): MaskPlan | MaskDenial | null {
    try {
      const plan = this.#deps.masking?.plan(event, statements) ?? null;
      if (plan !== null && !('deny' in plan) && event.unmaskableResult !== undefined)
        return { deny: event.unmaskableResult, ruleId: 'masking-unmaskable' };
      return plan;
    } catch (err) {
      event.session.logger.error({ err }, 'mask planning failed');
      return { deny: 'the masking of its results could not be planned', ruleId: 'masking-error' };
    }
  }

  #allowed(
    event: StatementEvent,
    ruleId: string,
    statements: readonly StatementFacts[],
    approvalId: string | null,
    maskPlan: MaskPlan | null,
  ): AllowDecision {
    event.prepared?.apply(statements);
    return approvalId === null
      ? { action: 'allow', ruleId, statements, maskPlan }
      : { action: 'allow', ruleId, statements, maskPlan, approvalId };
  }

  /**
   * Writes the intent before the engine forwards anything. Under
   * `audit.on_failure: refuse` an allowed statement whose intent cannot be
   * written becomes a denial: nothing runs unrecorded.
   */
  #record(event: StatementEvent, decision: Decision): Decision | Promise<Decision> {
    const audit = this.#deps.audit;
    if (!audit) return decision;
    const refused = (err: unknown): Decision => {
      if (decision.action !== 'allow') return decision;
      const reason = err instanceof GatewayError ? err.message : 'the audit record could not be written';
      return deny('audit-unavailable', reason, 'audit_unavailable', decision.statements);
    };
    let pending: void | Promise<void>;
    try {
      pending = audit.intent(event, decision);
    } catch (err) {
      return refused(err);
    }
    return pending === undefined ? decision : pending.then(() => decision, refused);
  }

  #evaluate(event: StatementEvent, facts: StatementFacts): PolicyVerdict {
    try {
      return this.#deps.policy.evaluate({
        identity: event.session.identity,
        target: event.session.target,
        database: event.session.database,
        facts,
      });
    } catch (err) {
      // Fail closed: a policy that throws denies.
      event.session.logger.error({ err }, 'policy evaluation failed');
      return { action: 'deny', ruleId: 'policy-error', reason: 'the policy could not be evaluated' };
    }
  }
}

export function deny(
  ruleId: string,
  reason: string,
  code: GatewayErrorCode,
  statements: readonly StatementFacts[],
): DenyDecision {
  return { action: 'deny', ruleId, reason, code, statements };
}

function unanalysable(reason: string): StatementFacts {
  return {
    kind: 'unknown',
    command: 'UNKNOWN',
    tablesRead: [],
    tablesWritten: [],
    columns: [],
    functions: [],
    guardrails: [],
    fingerprint: '',
    normalized: '',
    unknownReason: reason,
  };
}
