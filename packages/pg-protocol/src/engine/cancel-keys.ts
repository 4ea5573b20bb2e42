import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** The BackendKeyData the gateway gives a client in place of the upstream's. */
export interface CancelKey {
  readonly processId: number;
  readonly secretKey: Buffer;
}

export interface Cancellable {
  /** Cancels whatever the session is doing now (upstream query or approval wait). */
  cancel(): void;
}

/**
 * Gateway-issued cancel keys. A client never learns the upstream's process id
 * or secret, so a CancelRequest can only reach the session that owns the key.
 * The process id's top bits name the worker that owns the session, so any
 * worker receiving a CancelRequest can route it.
 */
export class CancelKeyRegistry {
  static readonly workerBits = 8;
  readonly #sessions = new Map<number, { key: CancelKey; session: Cancellable }>();
  readonly #workerId: number;

  constructor(workerId = 0) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId >= 1 << CancelKeyRegistry.workerBits) {
      throw new RangeError(`worker id ${workerId} out of range`);
    }
    this.#workerId = workerId;
  }

  /** Worker id encoded in a cancel key's process id. */
  static workerOf(processId: number): number {
    return (processId >>> (31 - CancelKeyRegistry.workerBits)) & ((1 << CancelKeyRegistry.workerBits) - 1);
  }

  issue(session: Cancellable): CancelKey {
    const localBits = 31 - CancelKeyRegistry.workerBits;
    for (;;) {
      // Process ids stay positive int32: worker id in the top bits, random below.
      const processId = ((this.#workerId << localBits) | randomInt(1, 1 << localBits)) >>> 0;
      if (this.#sessions.has(processId)) continue;
      const key = { processId, secretKey: randomBytes(4) };
      this.#sessions.set(processId, { key, session });
      return key;
    }
  }

  release(key: CancelKey): void {
    const entry = this.#sessions.get(key.processId);
    if (entry && entry.key === key) this.#sessions.delete(key.processId);
  }

  /** Cancels the session owning this key; false (and nothing else) when the key is unknown or wrong. */
  cancel(processId: number, secretKey: Buffer): boolean {
    const entry = this.#sessions.get(processId);
    if (!entry) return false;
    const expected = entry.key.secretKey;
    if (secretKey.length !== expected.length || !timingSafeEqual(secretKey, expected)) return false;
    entry.session.cancel();
    return true;
  }

  get size(): number {
    return this.#sessions.size;
  }
}
