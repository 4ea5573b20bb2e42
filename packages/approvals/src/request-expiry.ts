import type { Logger } from 'pino';
import { ApprovalError } from './approval-error';
import type { ApprovalRequest } from './approval-request';
import type { EventDispatch } from './event-dispatch';
import type { ApprovalStore } from './store/approval-store';

/** The reason recorded on every expired request. */
export const EXPIRED_REASON = 'no decision was made before the approval timeout';

/** When a request created here expires, by Redis's clock, and what that clock said at creation. */
export interface ExpiryHint {
  readonly expiresAtMs: number;
  readonly now: number;
}

/**
 * Expiry of pending requests: pending and past its expiry (Redis's clock)
 * becomes expired, once, whoever notices first (a read, a waiting statement,
 * the expiry job). Keeps the expiry of the requests created here, so a wait
 * is bounded even if its first read fails.
 */
export class RequestExpiry {
  readonly #hints = new Map<string, ExpiryHint>();

  constructor(
    private readonly store: ApprovalStore,
    private readonly events: EventDispatch,
    private readonly logger: Logger,
  ) {}

  remember(id: string, hint: ExpiryHint): void {
    this.#hints.set(id, hint);
  }

  hint(id: string): ExpiryHint | undefined {
    return this.#hints.get(id);
  }

  /** The request is final: nothing of it is kept here any more. */
  forget(id: string): void {
    this.#hints.delete(id);
  }

  /** pending + past expiry -> expired. Answers the request, or how long until it is due. */
  async expire(id: string): Promise<{ request: ApprovalRequest } | { notDueMs: number }> {
    const reply = await this.store.transition(
      id,
      'expired',
      { type: 'expired', by: null, reason: EXPIRED_REASON },
      true,
    );
    if (reply.outcome === 'not_found') throw notFound(id);
    if (reply.outcome === 'not_due') return { notDueMs: reply.extra };
    if (reply.changed) return { request: await this.expired(id, reply.at) };
    const stored = await this.store.read(id);
    if (stored === null) throw notFound(id);
    return { request: stored.request };
  }

  /** For the expiry job: how long until the request is due, or null when there is nothing left to do. */
  async forWorker(id: string): Promise<{ notDueMs: number } | null> {
    try {
      const r = await this.expire(id);
      return 'notDueMs' in r ? r : null;
    } catch (err) {
      if (err instanceof ApprovalError && err.code === 'not_found') return null; // past retention
      throw err;
    }
  }

  /** The request just became expired (here, or in a decision that found it due): tell everyone. */
  async expired(id: string, atMs: number): Promise<ApprovalRequest> {
    this.#hints.delete(id);
    const stored = await this.store.read(id);
    if (stored === null) throw notFound(id);
    this.logger.info({ approvalId: id }, 'approval expired');
    await this.events.emit('expired', stored.request, null, EXPIRED_REASON, new Date(atMs).toISOString());
    return stored.request;
  }
}

function notFound(id: string): ApprovalError {
  return new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id });
}
