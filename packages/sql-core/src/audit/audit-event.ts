import type { StatementKind } from '../analysis/statement-facts';
import type { GatewayErrorCode } from '../errors/gateway-error';
import type { AuthMethod } from '../identity/identity';
import type { Engine } from '../identity/target';
import type { DecisionAction } from '../pipeline/decision';
import type { StatementSource } from '../pipeline/statement-event';

/**
 * Every kind of audit record. Field names are snake_case because these
 * objects are the file format: what the JSONL sink writes, what SIEM queries
 * and `jq` filters name. No event carries a raw literal, a bind parameter, a
 * password or a token (see docs/audit.md, "What is never recorded").
 */
export const AuditEventType = {
  sessionStart: 'session.start',
  sessionEnd: 'session.end',
  authFailed: 'auth.failed',
  statementIntent: 'statement.intent',
  statementOutcome: 'statement.outcome',
  approvalRequested: 'approval.requested',
  approvalApproved: 'approval.approved',
  approvalDenied: 'approval.denied',
  approvalExpired: 'approval.expired',
  approvalWithdrawn: 'approval.withdrawn',
  approvalExecuted: 'approval.executed',
  policyReloaded: 'policy.reloaded',
  chainRotated: 'chain.rotated',
  chainRecovered: 'chain.recovered',
} as const;
export type AuditEventType = (typeof AuditEventType)[keyof typeof AuditEventType];

interface EventBase<T extends AuditEventType> {
  readonly type: T;
  /** ISO 8601, UTC, millisecond precision. */
  readonly time: string;
}

/** Who, from where, to what: repeated on session.start and session.end so each stands alone. */
export interface AuditSessionFields {
  readonly session_id: string;
  readonly subject: string;
  readonly groups: readonly string[];
  readonly auth_method: AuthMethod;
  /** JWT issuer, or the service token's configured name. */
  readonly issuer: string;
  /** `host:port` as seen by the gateway. */
  readonly client_address: string;
  /** The user name the client sent: recorded, never trusted. */
  readonly client_user: string;
  readonly target: string;
  readonly engine: Engine;
  readonly environment: string;
  readonly database: string;
  /** The upstream login Gatehouse used (user name only), null before one was chosen. */
  readonly upstream_user: string | null;
  /** Client connection over TLS. */
  readonly tls: boolean;
}

export interface SessionStartEvent extends EventBase<'session.start'>, AuditSessionFields {}

export const SessionEndReason = {
  clientClosed: 'client_closed',
  upstreamClosed: 'upstream_closed',
  terminated: 'terminated',
  shutdown: 'shutdown',
  protocolError: 'protocol_error',
  credentialExpired: 'credential_expired',
  error: 'error',
} as const;
export type SessionEndReason = (typeof SessionEndReason)[keyof typeof SessionEndReason];

export interface SessionEndEvent extends EventBase<'session.end'>, AuditSessionFields {
  readonly reason: SessionEndReason;
  /** Bytes received from the client. */
  readonly bytes_in: number;
  /** Bytes sent to the client. */
  readonly bytes_out: number;
  readonly duration_ms: number;
  /** Client statement strings seen in the session (the last statement_seq). */
  readonly statements: number;
}

export interface AuthFailedEvent extends EventBase<'auth.failed'> {
  /** The user name the client sent, with anything token-shaped removed. */
  readonly claimed_user: string;
  readonly reason: GatewayErrorCode;
  /** One sentence; never the credential. */
  readonly detail: string;
  readonly client_address: string;
  readonly engine: Engine;
  /** The target the client asked for, when it named one. */
  readonly target: string | null;
  readonly tls: boolean;
}

/** A table (`schema.name`, or `name` when the statement left the schema to the search path). */
export type AuditTableName = string;

/** One statement of a client string, as analysis saw it: shapes, never values. */
export interface AuditStatement {
  readonly kind: StatementKind;
  readonly command: string;
  readonly fingerprint: string;
  /** The statement with literals replaced by placeholders. */
  readonly sql: string;
  readonly tables_read: readonly AuditTableName[];
  readonly tables_written: readonly AuditTableName[];
  /** `table.column` (or `column` where unresolved), sorted, deduplicated. */
  readonly columns_read: readonly string[];
  readonly columns_written: readonly string[];
  readonly functions: readonly string[];
  readonly guardrails: readonly { readonly id: string; readonly detail: string }[];
  /** Why analysis gave up, with quoted text removed; null unless kind is unknown. */
  readonly unknown_reason: string | null;
}

/**
 * Written before a client string is forwarded (or refused). One per client
 * string, carrying each statement it holds; `statement_seq` counts strings
 * within the session from 1 and pairs the intent with its outcome.
 */
export interface StatementIntentEvent extends EventBase<'statement.intent'> {
  readonly session_id: string;
  readonly statement_seq: number;
  readonly subject: string;
  readonly target: string;
  readonly environment: string;
  readonly database: string;
  readonly source: StatementSource;
  readonly in_transaction: boolean;
  readonly statements: readonly AuditStatement[];
  readonly decision: DecisionAction;
  readonly rule_id: string;
  /** Why it was denied or held; null when allowed. */
  readonly reason: string | null;
  readonly approval_id: string | null;
  /** The full client text; present only where the target is configured to keep it. */
  readonly sql_text?: string;
}

/**
 * How a forwarded statement ended. `unknown`: the session closed (client
 * gone, session terminated, upstream lost) before the upstream answered, so
 * whether it ran to completion is not known; its rows are those relayed so far.
 */
export const StatementStatus = {
  ok: 'ok',
  error: 'error',
  canceled: 'canceled',
  unknown: 'unknown',
} as const;
export type StatementStatus = (typeof StatementStatus)[keyof typeof StatementStatus];

export interface AuditMaskedColumn {
  /** Result column name as the client saw it. */
  readonly column: string;
  /** Source table (`schema.name`) when lineage resolved it. */
  readonly table: string | null;
  /** Detector or classifier ids that fired (`email`, `luhn`, `name:ssn`...). */
  readonly detectors: readonly string[];
  /** How many values were rewritten. */
  readonly values: number;
}

/** Written once the upstream has answered a forwarded string. Denied strings have none. */
export interface StatementOutcomeEvent extends EventBase<'statement.outcome'> {
  readonly session_id: string;
  readonly statement_seq: number;
  /** Repeated from the session so an outcome stands alone in a search by identity or target. */
  readonly subject: string;
  readonly target: string;
  readonly status: StatementStatus;
  readonly rows_returned: number | null;
  readonly rows_affected: number | null;
  /** SQLSTATE of the error, null on success. */
  readonly sqlstate: string | null;
  readonly duration_ms: number;
  readonly masked: readonly AuditMaskedColumn[];
}

export interface ApprovalRequestedEvent extends EventBase<'approval.requested'> {
  readonly approval_id: string;
  readonly session_id: string;
  readonly statement_seq: number;
  readonly subject: string;
  readonly target: string;
  readonly environment: string;
  readonly database: string;
  readonly rule_id: string;
  readonly reason: string;
  readonly fingerprints: readonly string[];
  /** Distinct approvals needed. */
  readonly required: number;
  readonly expires_at: string;
}

export interface ApprovalApprovedEvent extends EventBase<'approval.approved'> {
  readonly approval_id: string;
  /** Subject of the approver. */
  readonly approver: string;
  /** The approver's stated reason. */
  readonly reason: string | null;
  /** Approvals given so far, this one included. */
  readonly approvals: number;
  readonly required: number;
}

export interface ApprovalDeniedEvent extends EventBase<'approval.denied'> {
  readonly approval_id: string;
  readonly approver: string;
  readonly reason: string | null;
}

export interface ApprovalExpiredEvent extends EventBase<'approval.expired'> {
  readonly approval_id: string;
}

/** Why a pending approval request was withdrawn (its statement will never run). */
export const ApprovalWithdrawReason = {
  /** The client cancelled the held statement (PostgreSQL CancelRequest, MySQL KILL QUERY). */
  canceled: 'canceled',
  /** The client disconnected, or the session ended on an error or a lost upstream. */
  sessionClosed: 'session_closed',
  /** An operator ended the session (DELETE /v1/sessions/:id). */
  terminated: 'terminated',
  /** The gateway stopped (or restarted, for requests an earlier run held). */
  shutdown: 'shutdown',
} as const;
export type ApprovalWithdrawReason = (typeof ApprovalWithdrawReason)[keyof typeof ApprovalWithdrawReason];

export interface ApprovalWithdrawnEvent extends EventBase<'approval.withdrawn'> {
  readonly approval_id: string;
  readonly why: ApprovalWithdrawReason;
}

/** Written before an approved statement is forwarded: the intent of the review path. */
export interface ApprovalExecutedEvent extends EventBase<'approval.executed'> {
  readonly approval_id: string;
  readonly session_id: string;
  readonly statement_seq: number;
  readonly approvers: readonly string[];
}

export const PolicyReloadTrigger = {
  startup: 'startup',
  api: 'api',
  signal: 'signal',
  file: 'file',
} as const;
export type PolicyReloadTrigger = (typeof PolicyReloadTrigger)[keyof typeof PolicyReloadTrigger];

export interface PolicyReloadedEvent extends EventBase<'policy.reloaded'> {
  /** False when the new policy was rejected and the old one kept. */
  readonly ok: boolean;
  readonly trigger: PolicyReloadTrigger;
  /** Subject who asked (control API), null otherwise. */
  readonly actor: string | null;
  /** Number of rules now in force. */
  readonly rules: number;
  /** SHA-256 of the policy source now in force, when known. */
  readonly policy_sha256: string | null;
  /** What was wrong with a rejected policy. */
  readonly error: string | null;
}

/** First record of a file the sink opened after rotating (or finding) the previous one. */
export interface ChainRotatedEvent extends EventBase<'chain.rotated'> {
  /** File name (no directory) of the previous file, null when it was replaced outside Gatehouse. */
  readonly rotated_from: string | null;
}

/** Written on open when the file ended with bytes that are not a complete record (a crash mid-write). */
export interface ChainRecoveredEvent extends EventBase<'chain.recovered'> {
  /** Length of the torn region, with the newline that now terminates it. */
  readonly torn_bytes: number;
  /** SHA-256 (hex) of those bytes. */
  readonly torn_sha256: string;
}

export type AuditEvent =
  | SessionStartEvent
  | SessionEndEvent
  | AuthFailedEvent
  | StatementIntentEvent
  | StatementOutcomeEvent
  | ApprovalRequestedEvent
  | ApprovalApprovedEvent
  | ApprovalDeniedEvent
  | ApprovalExpiredEvent
  | ApprovalWithdrawnEvent
  | ApprovalExecutedEvent
  | PolicyReloadedEvent
  | ChainRotatedEvent
  | ChainRecoveredEvent;
