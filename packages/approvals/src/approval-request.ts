import type { StatementFacts, StatementKind, TargetRef } from '@gatehouse/sql-core';

/** Where an approval request stands. Only `pending` can change; the others are final. */
export const ApprovalStatus = {
  pending: 'pending',
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  withdrawn: 'withdrawn',
} as const;
export type ApprovalStatus = (typeof ApprovalStatus)[keyof typeof ApprovalStatus];
export type FinalStatus = Exclude<ApprovalStatus, 'pending'>;

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = Object.values(ApprovalStatus);

export function isFinalStatus(status: string): status is FinalStatus {
  return status === 'approved' || status === 'denied' || status === 'expired' || status === 'withdrawn';
}

/** What an approver can say. */
export const DecisionKind = { approve: 'approve', deny: 'deny' } as const;
export type DecisionKind = (typeof DecisionKind)[keyof typeof DecisionKind];

/** Everything that happens to a request, in the order it happened. Also the audit event types. */
export const ApprovalEventType = {
  requested: 'requested',
  /** One approver's approval; the request may still be pending when more are required. */
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  withdrawn: 'withdrawn',
  /** The approved statement was sent to the upstream by the holding gateway. */
  executed: 'executed',
} as const;
export type ApprovalEventType = (typeof ApprovalEventType)[keyof typeof ApprovalEventType];

/** A verified identity, as far as approvals care: subject and groups. `Identity` from sql-core fits. */
export interface Principal {
  readonly subject: string;
  readonly groups: readonly string[];
}

/** The facts of one statement an approver needs, without literal values. */
export interface StatementSummary {
  readonly kind: StatementKind;
  readonly command: string;
  /** Literals replaced by placeholders (`StatementFacts.normalized`). */
  readonly normalized: string;
  readonly fingerprint: string;
  /** `schema.table` (or `table` when the statement left the schema to the search path). */
  readonly tablesRead: readonly string[];
  readonly tablesWritten: readonly string[];
  /** Guardrail ids that fired. */
  readonly guardrails: readonly string[];
}

/**
 * The statement under review. The raw text is never stored: literals may hold
 * personal data, and the approver decides on the shape, not the values. A
 * SHA-256 of the exact text pins the approval (and a CI grant) to that text.
 */
export interface ApprovalStatement {
  /** Normalised SQL of every statement in the client string, joined with `;\n`. */
  readonly normalized: string;
  /** `statementFingerprint()` of the statements: one fingerprint, or a hash of several. */
  readonly fingerprint: string;
  /** Lower-case hex SHA-256 of the exact client text (UTF-8). */
  readonly textHash: string;
  readonly statements: readonly StatementSummary[];
}

/** One approver's decision. */
export interface ApprovalDecisionEntry {
  readonly by: string;
  readonly groups: readonly string[];
  readonly decision: DecisionKind;
  readonly reason: string;
  /** ISO-8601, from the Redis server clock. */
  readonly at: string;
}

/** One line of a request's history. */
export interface ApprovalHistoryEntry {
  readonly type: ApprovalEventType;
  readonly at: string;
  /** The subject who caused it (approver, requester's gateway), or null for the system (expiry). */
  readonly by: string | null;
  readonly groups?: readonly string[];
  readonly decision?: DecisionKind;
  readonly reason: string | null;
  /** Gateway instance that recorded it, when one did. */
  readonly instance?: string;
}

/** The gateway instance (and its run) holding the client that waits on the request. */
export interface ApprovalHolder {
  readonly instance: string;
  readonly run: string;
}

/** An approval request as stored and as the control API shows it. */
export interface ApprovalRequest {
  /** `apr_<ulid>`. */
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly requester: Principal;
  readonly target: TargetRef;
  readonly database: string;
  readonly statement: ApprovalStatement;
  /** The policy rule that asked for review, and its reason. */
  readonly ruleId: string;
  readonly reason: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** When the request left `pending`, or null. */
  readonly decidedAt: string | null;
  readonly executedAt: string | null;
  /** Distinct approvals needed. */
  readonly required: number;
  /** Distinct approvals so far. */
  readonly approvals: number;
  /** Groups whose members may decide (the rule's, else the global ones). */
  readonly approverGroups: readonly string[];
  readonly decisions: readonly ApprovalDecisionEntry[];
  readonly history: readonly ApprovalHistoryEntry[];
  readonly holder: ApprovalHolder;
  /** Milliseconds an approval grants re-execution of the same text by the same subject; 0 = no grant. */
  readonly grantWindowMs: number;
  /** The gateway session that asked, for the audit trail. */
  readonly sessionId: string | null;
}

/** What `ApprovalService.create` needs. */
export interface CreateApprovalInput {
  readonly requester: Principal;
  readonly target: TargetRef;
  readonly database: string;
  /** The exact client text; only its SHA-256 is stored. */
  readonly sql: string;
  /** The analysed statements of `sql` (at least one). */
  readonly statements: readonly StatementFacts[];
  readonly ruleId: string;
  readonly reason: string;
  /** The rule's approver groups; the service default when absent. */
  readonly approvers?: readonly string[];
  /** The rule's required approvals; the service default when absent. */
  readonly required?: number;
  /** The rule's timeout; the service default when absent. */
  readonly timeoutMs?: number;
  /** The rule allows an approval to be reused by the same subject for the same text (CI retries). */
  readonly allowGrant?: boolean;
  /** Overrides the default grant window when `allowGrant` is set. */
  readonly grantWindowMs?: number;
  readonly sessionId?: string;
}

/** What an approver submits. */
export interface DecisionInput extends Principal {
  /** Why; required to deny, optional to approve. */
  readonly reason?: string;
}

/** How a wait ended. */
export interface FinalDecision {
  readonly id: string;
  readonly status: FinalStatus;
  /** The approver whose decision made it final, or null (expiry, withdrawal by the system). */
  readonly by: string | null;
  readonly reason: string | null;
  readonly at: string;
}
