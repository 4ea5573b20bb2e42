import type { SessionContext } from '../session/session-context';
import type {
  ApprovalApprovedEvent,
  ApprovalDeniedEvent,
  ApprovalExecutedEvent,
  ApprovalExpiredEvent,
  ApprovalRequestedEvent,
  ApprovalWithdrawnEvent,
  ApprovalWithdrawReason,
  PolicyReloadedEvent,
  PolicyReloadTrigger,
} from './audit-event';
import { clip, scrubSecrets } from './audit-scrub';

export interface ApprovalRequestFacts {
  readonly approvalId: string;
  readonly statementSeq: number;
  readonly ruleId: string;
  readonly reason: string;
  readonly fingerprints: readonly string[];
  readonly required: number;
  readonly expiresAt: Date;
}

export function approvalRequestedEvent(
  session: SessionContext,
  request: ApprovalRequestFacts,
  time: Date = new Date(),
): ApprovalRequestedEvent {
  return {
    type: 'approval.requested',
    time: time.toISOString(),
    approval_id: request.approvalId,
    session_id: session.id,
    statement_seq: request.statementSeq,
    subject: session.identity.subject,
    target: session.target.name,
    environment: session.target.environment,
    database: session.database,
    rule_id: request.ruleId,
    reason: request.reason,
    fingerprints: [...request.fingerprints],
    required: request.required,
    expires_at: request.expiresAt.toISOString(),
  };
}

/** Approvers type their reason; it is theirs to write, but bounded and scrubbed of credentials. */
function approverReason(reason: string | null): string | null {
  return reason === null ? null : clip(scrubSecrets(reason), 512);
}

export function approvalApprovedEvent(
  approval: {
    approvalId: string;
    approver: string;
    reason: string | null;
    approvals: number;
    required: number;
  },
  time: Date = new Date(),
): ApprovalApprovedEvent {
  return {
    type: 'approval.approved',
    time: time.toISOString(),
    approval_id: approval.approvalId,
    approver: approval.approver,
    reason: approverReason(approval.reason),
    approvals: approval.approvals,
    required: approval.required,
  };
}

export function approvalDeniedEvent(
  approval: { approvalId: string; approver: string; reason: string | null },
  time: Date = new Date(),
): ApprovalDeniedEvent {
  return {
    type: 'approval.denied',
    time: time.toISOString(),
    approval_id: approval.approvalId,
    approver: approval.approver,
    reason: approverReason(approval.reason),
  };
}

export function approvalExpiredEvent(approvalId: string, time: Date = new Date()): ApprovalExpiredEvent {
  return { type: 'approval.expired', time: time.toISOString(), approval_id: approvalId };
}

export function approvalWithdrawnEvent(
  approvalId: string,
  why: ApprovalWithdrawReason,
  time: Date = new Date(),
): ApprovalWithdrawnEvent {
  return { type: 'approval.withdrawn', time: time.toISOString(), approval_id: approvalId, why };
}

/** Recorded before an approved statement is forwarded; pairs with the outcome by session and statement_seq. */
export function approvalExecutedEvent(
  session: Pick<SessionContext, 'id'>,
  execution: { approvalId: string; statementSeq: number; approvers: readonly string[] },
  time: Date = new Date(),
): ApprovalExecutedEvent {
  return {
    type: 'approval.executed',
    time: time.toISOString(),
    approval_id: execution.approvalId,
    session_id: session.id,
    statement_seq: execution.statementSeq,
    approvers: [...execution.approvers],
  };
}

export interface PolicyReload {
  readonly ok: boolean;
  readonly trigger: PolicyReloadTrigger;
  readonly actor: string | null;
  readonly rules: number;
  readonly policySha256: string | null;
  readonly error?: string | null;
}

export function policyReloadedEvent(reload: PolicyReload, time: Date = new Date()): PolicyReloadedEvent {
  return {
    type: 'policy.reloaded',
    time: time.toISOString(),
    ok: reload.ok,
    trigger: reload.trigger,
    actor: reload.actor,
    rules: reload.rules,
    policy_sha256: reload.policySha256,
    error: reload.error == null ? null : clip(scrubSecrets(reload.error), 512),
  };
}
