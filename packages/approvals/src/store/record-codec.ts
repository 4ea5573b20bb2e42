import type { TargetRef } from '@gatehouse/sql-core';
import {
  APPROVAL_STATUSES,
  type ApprovalDecisionEntry,
  type ApprovalHistoryEntry,
  type ApprovalHolder,
  type ApprovalRequest,
  type ApprovalStatement,
  type ApprovalStatus,
  type Principal,
} from '../approval-request';

/** The part of a request that never changes once created: stored as one JSON field. */
export interface RequestDoc {
  readonly requester: Principal;
  readonly target: TargetRef;
  readonly database: string;
  readonly statement: ApprovalStatement;
  readonly ruleId: string;
  readonly reason: string;
  readonly approverGroups: readonly string[];
  readonly required: number;
  readonly grantWindowMs: number;
  readonly holder: ApprovalHolder;
  readonly sessionId: string | null;
}

/** A history entry as the caller builds it; the script adds `at`. */
export interface HistoryEntryInput {
  readonly type: ApprovalHistoryEntry['type'];
  readonly by: string | null;
  readonly groups?: readonly string[];
  readonly decision?: ApprovalDecisionEntry['decision'];
  readonly reason: string | null;
  readonly instance?: string;
}

/** The JSON object body after its `{`, for a script to prepend `{"at":<ms>,` to. */
export function historyEntryBody(entry: HistoryEntryInput): string {
  return JSON.stringify(entry).slice(1);
}

function iso(ms: string | undefined): string | null {
  if (ms === undefined || ms === '') return null;
  const n = Number(ms);
  return Number.isFinite(n) ? new Date(n).toISOString() : null;
}

function parseHistory(raw: readonly string[]): ApprovalHistoryEntry[] {
  const out: ApprovalHistoryEntry[] = [];
  for (const line of raw) {
    try {
      const e = JSON.parse(line) as Omit<ApprovalHistoryEntry, 'at'> & { at: number };
      out.push({ ...e, at: new Date(e.at).toISOString() });
    } catch {
      // A line this code did not write is skipped rather than trusted.
    }
  }
  return out;
}

/**
 * Hash fields + history list -> the request. Null when the hash is empty
 * (missing or past retention) or unreadable.
 */
export function decodeRequest(
  id: string,
  fields: Record<string, string>,
  history: readonly string[],
): ApprovalRequest | null {
  const docText = fields['doc'];
  const status = fields['status'] as ApprovalStatus | undefined;
  if (docText === undefined || status === undefined || !APPROVAL_STATUSES.includes(status)) return null;
  let doc: RequestDoc;
  try {
    doc = JSON.parse(docText) as RequestDoc;
  } catch {
    return null;
  }
  const entries = parseHistory(history);
  const decisions: ApprovalDecisionEntry[] = [];
  for (const e of entries) {
    if (e.decision !== undefined && e.by !== null) {
      decisions.push({
        by: e.by,
        groups: e.groups ?? [],
        decision: e.decision,
        reason: e.reason ?? '',
        at: e.at,
      });
    }
  }
  return {
    id,
    status,
    requester: doc.requester,
    target: doc.target,
    database: doc.database,
    statement: doc.statement,
    ruleId: doc.ruleId,
    reason: doc.reason,
    createdAt: iso(fields['createdAt']) ?? new Date(0).toISOString(),
    expiresAt: iso(fields['expiresAt']) ?? new Date(0).toISOString(),
    decidedAt: iso(fields['decidedAt']),
    executedAt: iso(fields['executedAt']),
    required: doc.required,
    approvals: Number(fields['approvals'] ?? '0'),
    approverGroups: doc.approverGroups,
    decisions,
    history: entries,
    holder: doc.holder,
    grantWindowMs: doc.grantWindowMs,
    sessionId: doc.sessionId,
  };
}
