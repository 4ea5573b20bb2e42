import type { TargetRef } from '@gatehouse/sql-core';
import type { ApprovalKeys } from './store/keys';
import type { RequestDoc } from './store/record-codec';

/**
 * A CI re-execution grant: an approved request lets the same subject run the
 * same text (same SHA-256, same fingerprint) on the same target and database
 * again, without a new review, until the window closes. Recorded atomically
 * with the approval that completes the request, when the rule allows it.
 * Reusable within the window (a pipeline may retry more than once).
 */
export interface ApprovalGrant {
  readonly approvalId: string;
  readonly subject: string;
  readonly target: TargetRef;
  readonly database: string;
  readonly fingerprint: string;
  readonly textHash: string;
  /** ISO-8601; after this the grant is gone and the statement needs a new review. */
  readonly expiresAt: string;
}

/** What the pipeline looks a grant up by. `textHash` is `statementTextHash(sql)`. */
export interface GrantQuery {
  readonly subject: string;
  readonly target: Pick<TargetRef, 'name'>;
  readonly database: string;
  readonly fingerprint: string;
  readonly textHash: string;
}

/** The stored value: the grant without its expiry (the key's TTL is the window). */
export type StoredGrant = Omit<ApprovalGrant, 'expiresAt'>;

export function parseGrant(value: string, ttlMs: number, now: number = Date.now()): ApprovalGrant | null {
  try {
    const g = JSON.parse(value) as StoredGrant;
    if (
      typeof g.approvalId !== 'string' ||
      typeof g.fingerprint !== 'string' ||
      typeof g.textHash !== 'string'
    )
      return null;
    return { ...g, expiresAt: new Date(now + ttlMs).toISOString() };
  } catch {
    return null;
  }
}

/** The key and value a completed approval of this request writes (with the window as TTL). */
export function grantRecord(
  approvalId: string,
  doc: RequestDoc,
  keys: ApprovalKeys,
): { key: string; value: string } {
  const value: StoredGrant = {
    approvalId,
    subject: doc.requester.subject,
    target: doc.target,
    database: doc.database,
    fingerprint: doc.statement.fingerprint,
    textHash: doc.statement.textHash,
  };
  return {
    key: keys.grant(value.subject, doc.target.name, doc.database, value.textHash),
    value: JSON.stringify(value),
  };
}
