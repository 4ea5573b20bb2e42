/**
 * Values kept per forwarded statement between its intent and its outcome,
 * keyed by session and statement_seq. Bounded: an outcome that never comes
 * (a session killed mid-statement) is dropped with its session's end, and
 * past `max` entries the oldest session's are forgotten.
 */
export class PendingStatements<T> {
  readonly #sessions = new Map<string, Map<number, T>>();
  readonly #max: number;
  #size = 0;

  constructor(max = 100_000) {
    this.#max = max;
  }

  get size(): number {
    return this.#size;
  }

  set(sessionId: string, seq: number, value: T): void {
    let statements = this.#sessions.get(sessionId);
    if (!statements) this.#sessions.set(sessionId, (statements = new Map()));
    if (!statements.has(seq)) this.#size += 1;
    statements.set(seq, value);
    while (this.#size > this.#max) {
      const oldest = this.#sessions.keys().next().value as string;
      this.endSession(oldest);
    }
  }

  take(sessionId: string, seq: number): T | undefined {
    const statements = this.#sessions.get(sessionId);
    const value = statements?.get(seq);
    if (value !== undefined) {
      statements!.delete(seq);
      this.#size -= 1;
    }
    return value;
  }

  /** Forgets what the session left pending; returns it. */
  endSession(sessionId: string): T[] {
    const statements = this.#sessions.get(sessionId);
    if (!statements) return [];
    this.#sessions.delete(sessionId);
    this.#size -= statements.size;
    return [...statements.values()];
  }
}
