import type { StatementFacts } from '../analysis/statement-facts';
import { GatewayError } from '../errors/gateway-error';
import type { PolicyVerdict } from '../policy/policy';
import { withdrawReasonOf, type ApprovalGate } from './approval-gate';
import type { AuditTrail } from './audit-trail';
import type { AllowDecision, Decision, ReviewDecision } from './decision';
import type { StatementHooks } from './statement-hooks';
import type { StatementEvent } from './statement-event';

export interface ReviewInput {
  readonly event: StatementEvent;
  readonly statements: readonly StatementFacts[];
  readonly verdict: PolicyVerdict;
  readonly gate: ApprovalGate;
  readonly audit: AuditTrail | null;
  readonly hooks: StatementHooks;
  /** Builds the allow decision (with its mask plan) once approved. */
  readonly allow: (approvalId: string) => AllowDecision;
}

/**
 * A `review` verdict: file the request (or find a grant for a retry), record
 * the intent, tell the client at once how to approve, then wait. Approved:
 * the statement runs. Denied, expired or unreachable store: a denial naming
 * who and why. Cancelled or disconnected while waiting: the request is
 * withdrawn and the engine answers 57014.
 */
export async function reviewStatement(input: ReviewInput): Promise<Decision> {
  const { event, statements, verdict, gate, audit, hooks } = input;
  const deny = (reason: string): Decision => ({
    action: 'deny',
    ruleId: verdict.ruleId,
    reason,
    code: 'approval_denied',
    statements,
  });

  let ticket;
  try {
    ticket = await gate.request(
      {
        event,
        statements,
        ruleId: verdict.ruleId,
        reason: verdict.reason,
        ...(verdict.approvers ? { approvers: verdict.approvers } : {}),
        ...(verdict.required ? { required: verdict.required } : {}),
      },
      hooks.signal,
    );
  } catch (err) {
    event.session.logger.warn({ err, rule: verdict.ruleId }, 'approval request failed');
    const decision = deny(`approval required (${verdict.reason}) but the approval store is unreachable`);
    // Denied either way: a failure to record it changes nothing for the client.
    audit?.noteIntent(event, decision);
    return decision;
  }

  if (ticket.kind === 'granted') {
    const decision = input.allow(ticket.approvalId);
    await audit?.intent(event, decision);
    gate.executed(ticket.approvalId);
    return decision;
  }

  const held: ReviewDecision = {
    action: 'review',
    ruleId: verdict.ruleId,
    reason: verdict.reason,
    approvalId: ticket.approvalId,
    statements,
  };
  await audit?.intent(event, held);
  hooks.notice(
    `statement held for approval ${ticket.approvalId} (rule ${verdict.ruleId}: ${verdict.reason})`,
    `An approver runs: gatehouse approvals approve ${ticket.approvalId}  (or POST /v1/approvals/${ticket.approvalId}/approve). ` +
      `It expires at ${ticket.expiresAt}.`,
  );

  let outcome;
  try {
    outcome = await gate.wait(ticket.approvalId, hooks.signal);
  } catch (err) {
    if (hooks.signal.aborted) {
      await gate.withdraw(ticket.approvalId, withdrawReasonOf(hooks.signal.reason)).catch(() => undefined);
      throw new GatewayError(
        'canceled',
        `canceling statement held for approval ${ticket.approvalId} at user request`,
      );
    }
    event.session.logger.warn({ err, approval: ticket.approvalId }, 'waiting for approval failed');
    return deny(`approval ${ticket.approvalId} could not be confirmed: the approval store is unreachable`);
  }

  switch (outcome.status) {
    case 'approved': {
      gate.executed(ticket.approvalId);
      return input.allow(ticket.approvalId);
    }
    case 'denied':
      return deny(
        `approval ${ticket.approvalId} denied by ${outcome.by ?? 'an approver'}${outcome.reason ? `: ${outcome.reason}` : ''}`,
      );
    case 'expired':
      return deny(`approval ${ticket.approvalId} expired without a decision`);
    case 'withdrawn':
      return deny(`approval ${ticket.approvalId} was withdrawn`);
  }
}
