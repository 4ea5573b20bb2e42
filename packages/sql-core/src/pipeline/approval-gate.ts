import type { StatementFacts } from '../analysis/statement-facts';
import type { ApprovalWithdrawReason, SessionEndReason } from '../audit/audit-event';
import { GatewayError } from '../errors/gateway-error';
import type { StatementEvent } from './statement-event';

/** What the pipeline asks of the approvals service when a rule says `review`. */
export interface ApprovalGateRequest {
  readonly event: StatementEvent;
  readonly statements: readonly StatementFacts[];
  readonly ruleId: string;
  readonly reason: string;
  /** From the rule; the gate falls back to its configured defaults. */
  readonly approvers?: readonly string[];
  readonly required?: number;
}

/** A request was filed and waits for decisions, or an earlier approval grants this retry. */
export type ApprovalGateTicket =
  | { readonly kind: 'pending'; readonly approvalId: string; readonly expiresAt: string }
  | { readonly kind: 'granted'; readonly approvalId: string };

export interface ApprovalGateOutcome {
  readonly status: 'approved' | 'denied' | 'expired' | 'withdrawn';
  readonly approvalId: string;
  /** Who decided, when someone did. */
  readonly by: string | null;
  readonly reason: string | null;
}

/**
 * The approvals service as the pipeline sees it (implemented by the gateway
 * over @gatehouse/approvals). Every call that waits takes the statement's
 * AbortSignal; an unreachable store rejects, and the pipeline denies.
 */
export interface ApprovalGate {
  request(request: ApprovalGateRequest, signal: AbortSignal): Promise<ApprovalGateTicket>;
  /** Resolves with the final status; rejects with the signal's reason when aborted. */
  wait(approvalId: string, signal: AbortSignal): Promise<ApprovalGateOutcome>;
  /** The statement stopped waiting before a decision: cancelled, disconnected, terminated, shut down. */
  withdraw(approvalId: string, why: ApprovalWithdrawReason): Promise<void>;
  /** The approved statement is being sent upstream now. */
  executed(approvalId: string): void;
}

/**
 * What an engine aborts a held statement's signal with: why it stopped
 * waiting, so the request is withdrawn with its real cause.
 */
export class HoldAborted extends GatewayError {
  constructor(
    readonly why: ApprovalWithdrawReason,
    message: string,
  ) {
    super('canceled', message);
  }

  /** The session ended while the statement was held: the cause its end reason gives. */
  static sessionEnded(end: SessionEndReason, message: string): HoldAborted {
    const why: ApprovalWithdrawReason =
      end === 'terminated' ? 'terminated' : end === 'shutdown' ? 'shutdown' : 'session_closed';
    return new HoldAborted(why, message);
  }
}

/** The withdraw cause an aborted signal carries; `canceled` when it names none. */
export function withdrawReasonOf(abortReason: unknown): ApprovalWithdrawReason {
  return abortReason instanceof HoldAborted ? abortReason.why : 'canceled';
}
