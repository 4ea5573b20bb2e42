import type { ApprovalRequest } from '@gatehouse/approvals';
import {
  approvalApprovedEvent,
  approvalDeniedEvent,
  approvalExpiredEvent,
  approvalRequestedEvent,
  type AuditEvent,
  type SessionContext,
} from '@gatehouse/sql-core';

/**
 * Approval events for the audit trail of the process holding the statement.
 * That process records the whole story of its statement (requested, each
 * decision, expired or withdrawn, executed) in its own hash chain, whichever
 * instance's API took the decisions: every event once, next to the
 * statement's intent and outcome.
 */

export function requestedRecord(
  session: SessionContext,
  statementSeq: number,
  request: ApprovalRequest,
): AuditEvent {
  return approvalRequestedEvent(
    session,
    {
      approvalId: request.id,
      statementSeq,
      ruleId: request.ruleId,
      reason: request.reason,
      fingerprints: request.statement.statements.map((s) => s.fingerprint),
      required: request.required,
      expiresAt: new Date(request.expiresAt),
    },
    new Date(request.createdAt),
  );
}

/** Each approval (with the count of distinct approvers so far) and the denial, in the order they were given. */
export function decisionRecords(request: ApprovalRequest): AuditEvent[] {
  const approvers = new Set<string>();
  const out: AuditEvent[] = [];
  for (const d of request.decisions) {
    const at = new Date(d.at);
    const reason = d.reason === '' ? null : d.reason;
    if (d.decision === 'approve') {
      approvers.add(d.by);
      out.push(
        approvalApprovedEvent(
          {
            approvalId: request.id,
            approver: d.by,
            reason,
            approvals: approvers.size,
            required: request.required,
          },
          at,
        ),
      );
    } else {
      out.push(approvalDeniedEvent({ approvalId: request.id, approver: d.by, reason }, at));
    }
  }
  return out;
}

/** What the request's end adds after its decisions: the expiry. (Withdrawals are recorded where they happen.) */
export function endRecords(request: ApprovalRequest): AuditEvent[] {
  if (request.status !== 'expired') return [];
  return [approvalExpiredEvent(request.id, new Date(request.decidedAt ?? request.expiresAt))];
}

/** Subjects whose approval counted, in order. */
export function approversOf(request: ApprovalRequest): string[] {
  return [...new Set(request.decisions.filter((d) => d.decision === 'approve').map((d) => d.by))];
}
