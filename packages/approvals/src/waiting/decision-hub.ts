import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApprovalError } from '../approval-error';
import { isFinalStatus, type FinalDecision } from '../approval-request';

/** What a re-read of one request found. */
export type CheckResult =
  | { readonly state: 'final'; readonly decision: FinalDecision }
  | { readonly state: 'pending'; readonly expiresAtMs: number; readonly serverNow: number }
  | { readonly state: 'missing' };

export interface DecisionHubDeps {
  readonly subscriber: Redis;
  readonly channel: string;
  readonly logger: Logger;
  /** Re-reads requests from the store. Throws when the store is unreachable. */
  check(ids: readonly string[]): Promise<Map<string, CheckResult>>;
  /**
   * Called once a waited request is past its expiry: expire it (if still
   * pending) and answer how it ended, or the milliseconds left when it is not
   * due yet by the Redis clock.
   */
  expire(id: string): Promise<FinalDecision | number>;
  /** Safety-net re-read of every waited request, for a lost message. */
  readonly recheckIntervalMs: number;
}

interface Waiter {
  resolve(decision: FinalDecision): void;
  reject(err: unknown): void;
}

interface Watched {
  readonly waiters: Set<Waiter>;
  expiryTimer?: NodeJS.Timeout;
}

/** Past the expiry, give the expiry job this long to act before acting here. */
const EXPIRY_GRACE_MS = 25;
/** setTimeout's ceiling (2^31-1 ms); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1 - EXPIRY_GRACE_MS;

/**
 * Delivers final decisions to the statements waiting on this instance.
 *
 * One subscriber connection per service listens to the prefix's channel;
 * every transition script publishes `{id, status, by, reason, at}` in the
 * same atomic step as the change. Pub/sub is at-most-once, so the request is
 * also re-read: right after a waiter registers (a decision may have landed
 * before it), after every (re)subscribe (messages are lost while
 * disconnected), and every `recheckIntervalMs` (belt and braces).
 *
 * A waited request past its expiry is expired from here too, so a wait is
 * bounded by the timeout even when no expiry worker runs; if the store is
 * unreachable then, the wait ends as expired (fail closed).
 */
export class DecisionHub {
  readonly #deps: DecisionHubDeps;
  readonly #watched = new Map<string, Watched>();
  #interval: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: DecisionHubDeps) {
    this.#deps = deps;
    const { subscriber, channel, logger } = deps;
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) this.#onMessage(message);
    });
    subscriber.on('ready', () => {
      // autoResubscribe is off: subscribe ourselves, then re-read what may have been missed.
      subscriber
        .subscribe(channel)
        .then(() => this.#recheck([...this.#watched.keys()]))
        .catch((err: Error) =>
          logger.debug({ err: err.message }, 'approval subscribe failed; will retry on reconnect'),
        );
    });
  }

  /** Connects the subscriber. Does not fail when Redis is away: it keeps trying in the background. */
  async start(): Promise<void> {
    if (this.#deps.subscriber.status !== 'wait') return;
    try {
      await this.#deps.subscriber.connect();
    } catch (err) {
      this.#deps.logger.warn(
        { err: (err as Error).message },
        'approval subscriber not connected yet; retrying',
      );
    }
  }

  /** Number of requests waited on. */
  get size(): number {
    return this.#watched.size;
  }

  wait(
    id: string,
    signal: AbortSignal,
    expiryHint?: { expiresAtMs: number; now: number },
  ): Promise<FinalDecision> {
    if (this.#closed)
      return Promise.reject(
        new ApprovalError('closed', 'the approval service is closed', { approvalId: id }),
      );
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<FinalDecision>((resolve, reject) => {
      let watched = this.#watched.get(id);
      if (watched === undefined) {
        watched = { waiters: new Set() };
        this.#watched.set(id, watched);
      }
      const onAbort = (): void => {
        this.#drop(id, waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (d) => {
          signal.removeEventListener('abort', onAbort);
          resolve(d);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      watched.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      if (expiryHint && watched.expiryTimer === undefined)
        this.#armExpiry(id, expiryHint.expiresAtMs - expiryHint.now);
      this.#ensureInterval();
      void this.#recheck([id]);
    });
  }

  /** Ends every wait with `closed`. */
  close(): void {
    this.#closed = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = undefined;
    for (const [id, watched] of this.#watched) {
      this.#settle(id, watched, (w) =>
        w.reject(
          new ApprovalError('closed', 'the approval service was closed while waiting', { approvalId: id }),
        ),
      );
    }
  }

  #onMessage(message: string): void {
    let msg: { id?: unknown; status?: unknown; by?: unknown; reason?: unknown; at?: unknown };
    try {
      msg = JSON.parse(message) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.id !== 'string' || typeof msg.status !== 'string' || !isFinalStatus(msg.status)) return;
    const watched = this.#watched.get(msg.id);
    if (watched === undefined) return;
    if (msg.status === 'approved') {
      // Releasing a statement is the one outcome not to take on a message's word:
      // confirm it in the store (one round trip). A stray or forged message changes nothing.
      void this.#recheck([msg.id]);
      return;
    }
    // Denied, expired, withdrawn: the statement fails either way (fail closed), so act at once.
    const decision: FinalDecision = {
      id: msg.id,
      status: msg.status,
      by: typeof msg.by === 'string' ? msg.by : null,
      reason: typeof msg.reason === 'string' ? msg.reason : null,
      at: new Date(typeof msg.at === 'number' ? msg.at : Date.now()).toISOString(),
    };
    this.#settle(msg.id, watched, (w) => w.resolve(decision));
  }

  async #recheck(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    let results: Map<string, CheckResult>;
    try {
      results = await this.#deps.check(ids);
    } catch (err) {
      // Store away: keep waiting; the next (re)subscribe or interval re-reads.
      this.#deps.logger.debug(
        { err: (err as Error).message, waiting: ids.length },
        'approval re-read failed',
      );
      return;
    }
    for (const [id, result] of results) {
      const watched = this.#watched.get(id);
      if (watched === undefined) continue;
      if (result.state === 'final') this.#settle(id, watched, (w) => w.resolve(result.decision));
      else if (result.state === 'missing') {
        this.#settle(id, watched, (w) =>
          w.reject(new ApprovalError('not_found', `approval ${id} does not exist`, { approvalId: id })),
        );
      } else {
        this.#armExpiry(id, result.expiresAtMs - result.serverNow);
      }
    }
  }

  #armExpiry(id: string, inMs: number): void {
    const watched = this.#watched.get(id);
    if (watched === undefined) return;
    if (watched.expiryTimer) clearTimeout(watched.expiryTimer);
    watched.expiryTimer = setTimeout(
      () => void this.#expireNow(id),
      Math.min(Math.max(0, inMs), MAX_TIMER_MS) + EXPIRY_GRACE_MS,
    );
  }

  async #expireNow(id: string): Promise<void> {
    const watched = this.#watched.get(id);
    if (watched === undefined) return;
    watched.expiryTimer = undefined;
    let outcome: FinalDecision | number;
    try {
      outcome = await this.#deps.expire(id);
    } catch (err) {
      if (this.#watched.get(id) !== watched) return;
      if (err instanceof ApprovalError && err.code === 'not_found') {
        this.#settle(id, watched, (w) => w.reject(err));
        return;
      }
      // The timeout bounds the wait even when the store can't be told: fail closed.
      this.#deps.logger.warn(
        { approvalId: id, err: (err as Error).message },
        'approval timed out while the store was unreachable',
      );
      outcome = {
        id,
        status: 'expired',
        by: null,
        reason: 'the approval timed out while the approval store was unreachable',
        at: new Date().toISOString(),
      };
    }
    if (this.#watched.get(id) !== watched) return;
    if (typeof outcome === 'number') {
      this.#armExpiry(id, outcome);
      return;
    }
    const decision = outcome;
    this.#settle(id, watched, (w) => w.resolve(decision));
  }

  #ensureInterval(): void {
    if (this.#interval !== undefined) return;
    this.#interval = setInterval(() => {
      if (this.#watched.size === 0) {
        clearInterval(this.#interval);
        this.#interval = undefined;
        return;
      }
      void this.#recheck([...this.#watched.keys()]);
    }, this.#deps.recheckIntervalMs);
    this.#interval.unref();
  }

  #drop(id: string, waiter: Waiter): void {
    const watched = this.#watched.get(id);
    if (watched === undefined) return;
    watched.waiters.delete(waiter);
    if (watched.waiters.size === 0) {
      if (watched.expiryTimer) clearTimeout(watched.expiryTimer);
      this.#watched.delete(id);
    }
  }

  #settle(id: string, watched: Watched, each: (w: Waiter) => void): void {
    if (watched.expiryTimer) clearTimeout(watched.expiryTimer);
    this.#watched.delete(id);
    for (const w of watched.waiters) each(w);
    watched.waiters.clear();
  }
}
