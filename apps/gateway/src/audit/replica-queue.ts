import type { AuditEvent } from '@gatehouse/sql-core';
import type { Logger } from 'pino';

/** One record of the file chain, as the secondary sinks receive it. */
export interface ReplicatedRecord {
  /** `<host>:<file stem>`: which chain (one per gateway process) the record belongs to. */
  readonly chain: string;
  readonly seq: number;
  /** SHA-256 of `line` (the next record's prev): unique per record, so a retried batch is idempotent. */
  readonly hash: string;
  /** The exact line in the file. */
  readonly line: string;
  readonly event: AuditEvent;
}

/**
 * A best-effort copy of the audit chain (PostgreSQL table, webhook). It never
 * gates a statement: the file does. `deliver` either stores the whole batch
 * or rejects; the queue retries a rejected batch, so delivery is at least
 * once and every record carries its `hash` for deduplication.
 */
export interface AuditReplica {
  /** `postgres`, `webhook`: the metrics label. */
  readonly name: string;
  deliver(batch: readonly ReplicatedRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** What the metrics learn from a queue. */
export interface ReplicaQueueHooks {
  delivered?(sink: string, records: number, seconds: number): void;
  failed?(sink: string): void;
  dropped?(sink: string, records: number): void;
  depth?(sink: string, records: number): void;
}

export interface ReplicaQueueOptions {
  /** Records per delivery. */
  readonly batch: number;
  /** Records held at most; beyond it the oldest waiting records are dropped and counted. */
  readonly buffer: number;
  /** Longest a record waits for its batch to fill, ms. */
  readonly flushIntervalMs: number;
  /** First retry delay after a failed delivery, doubled per failure up to maxBackoffMs. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger: Logger;
  readonly hooks?: ReplicaQueueHooks;
}

/** How often a sink that keeps dropping records says so in the log. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * The bounded buffer in front of one secondary sink. Records wait in memory
 * (never on disk: the audit file is already the durable copy) and go out in
 * batches; a failed batch is retried with exponential backoff while new
 * records queue behind it. When the buffer is full the OLDEST waiting
 * records are dropped, counted (gatehouse_audit_sink_dropped_total) and
 * logged: the copy then has a gap in `seq` that the file fills.
 */
export class ReplicaQueue {
  readonly #replica: AuditReplica;
  readonly #options: Required<Omit<ReplicaQueueOptions, 'hooks'>> & { hooks: ReplicaQueueHooks };
  #items: ReplicatedRecord[] = [];
  #head = 0;
  #inFlight: readonly ReplicatedRecord[] | null = null;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs = 0;
  #failing = false;
  #closed = false;
  #dropped = 0;
  #droppedLogged = 0;
  #lastDropLog = 0;
  #idle: (() => void)[] = [];

  constructor(replica: AuditReplica, options: ReplicaQueueOptions) {
    this.#replica = replica;
    this.#options = { minBackoffMs: 500, maxBackoffMs: 30_000, hooks: {}, ...options };
  }

  get name(): string {
    return this.#replica.name;
  }

  /** Records waiting or in flight. */
  get depth(): number {
    return this.#items.length - this.#head + (this.#inFlight?.length ?? 0);
  }

  /** Records dropped because the buffer was full, since start. */
  get dropped(): number {
    return this.#dropped;
  }

  /** False while deliveries fail. */
  get healthy(): boolean {
    return !this.#failing;
  }

  push(record: ReplicatedRecord): void {
    if (this.#closed) return;
    if (this.depth >= this.#options.buffer) this.#drop(this.depth - this.#options.buffer + 1);
    this.#items.push(record);
    this.#options.hooks.depth?.(this.name, this.depth);
    this.#schedule();
  }

  /**
   * Stops taking records and tries to deliver what is buffered until
   * `deadlineMs` passes; then closes the sink. Reports what was left behind.
   */
  async close(deadlineMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    const deadline = Date.now() + deadlineMs;
    while (this.depth > 0 && Date.now() < deadline) {
      if (this.#inFlight) {
        await new Promise<void>((resolve) => this.#idle.push(resolve));
        continue;
      }
      const ok = await this.#deliverNext();
      if (!ok)
        await new Promise((r) =>
          setTimeout(r, Math.min(this.#backoffMs, Math.max(0, deadline - Date.now()))),
        );
    }
    if (this.depth > 0) {
      this.#options.logger.error(
        { sink: this.name, records: this.depth },
        'audit sink closed with records undelivered (they are in the audit file)',
      );
    }
    await this.#replica
      .close()
      .catch((err: unknown) =>
        this.#options.logger.warn({ err, sink: this.name }, 'audit sink did not close cleanly'),
      );
  }

  #schedule(): void {
    if (this.#closed || this.#inFlight || this.#failing) return;
    const waiting = this.#items.length - this.#head;
    if (waiting >= this.#options.batch) {
      this.#clearTimer();
      void this.#deliverNext();
    } else if (waiting > 0 && this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (!this.#inFlight) void this.#deliverNext();
      }, this.#options.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Delivers the oldest batch; resolves true on success. Never throws. */
  async #deliverNext(): Promise<boolean> {
    const n = Math.min(this.#options.batch, this.#items.length - this.#head);
    if (n === 0 || this.#inFlight) return true;
    const batch = this.#items.slice(this.#head, this.#head + n);
    this.#head += n;
    this.#compact();
    this.#inFlight = batch;
    const started = performance.now();
    let ok = false;
    try {
      await this.#replica.deliver(batch);
      ok = true;
      this.#options.hooks.delivered?.(this.name, batch.length, (performance.now() - started) / 1000);
      if (this.#failing) this.#options.logger.warn({ sink: this.name }, 'audit sink reachable again');
      this.#failing = false;
      this.#backoffMs = 0;
    } catch (err) {
      this.#options.hooks.failed?.(this.name);
      if (!this.#failing)
        this.#options.logger.error(
          { err, sink: this.name, records: this.depth },
          'audit sink delivery failed; buffering and retrying',
        );
      this.#failing = true;
      this.#backoffMs = Math.min(
        this.#options.maxBackoffMs,
        this.#backoffMs === 0 ? this.#options.minBackoffMs : this.#backoffMs * 2,
      );
      // Back to the front, in order; the buffer bound still holds.
      this.#items = [...batch, ...this.#items.slice(this.#head)];
      this.#head = 0;
    } finally {
      this.#inFlight = null;
    }
    if (this.depth > this.#options.buffer) this.#drop(this.depth - this.#options.buffer);
    this.#options.hooks.depth?.(this.name, this.depth);
    for (const resolve of this.#idle.splice(0)) resolve();
    if (!this.#closed) {
      if (ok) this.#schedule();
      else this.#retryLater();
    }
    return ok;
  }

  #retryLater(): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#deliverNext();
    }, this.#backoffMs);
    this.#timer.unref();
  }

  /** Drops the `n` oldest waiting records (never the batch in flight). */
  #drop(n: number): void {
    const count = Math.min(n, this.#items.length - this.#head);
    if (count <= 0) return;
    this.#head += count;
    this.#compact();
    this.#dropped += count;
    this.#options.hooks.dropped?.(this.name, count);
    const now = Date.now();
    if (now - this.#lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.#options.logger.error(
        {
          sink: this.name,
          dropped: this.#dropped - this.#droppedLogged,
          total: this.#dropped,
          buffer: this.#options.buffer,
        },
        'audit sink buffer full: oldest records dropped from this copy (the audit file still has them)',
      );
      this.#droppedLogged = this.#dropped;
      this.#lastDropLog = now;
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
