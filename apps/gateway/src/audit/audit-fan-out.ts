import { GatewayError, GatewayErrorCode, type AuditEvent, type AuditSink } from '@gatehouse/sql-core';
import type { Logger } from 'pino';
import type { WrittenRecord } from './file-sink';
import type { ReplicaQueue, ReplicatedRecord } from './replica-queue';

/** The sink whose write gates statements: the audit file. */
export interface GatingSink {
  append(event: AuditEvent): Promise<WrittenRecord | null>;
  /**
   * As append, for a record that gates nothing: it may wait a few
   * milliseconds to share a write. Settles through the callbacks (no Promise).
   */
  queueLater(
    event: AuditEvent,
    resolve: (record: WrittenRecord | null) => void,
    reject: (err: Error) => void,
  ): void;
  /** Written before returning when the file is idle (see FileAuditSink.appendNow), else as append. */
  appendNow(event: AuditEvent): WrittenRecord | Promise<WrittenRecord | null>;
  close(): Promise<void>;
  readonly healthy: boolean;
}

/** One event as the audit saw it, for metrics and spans. Times are performance.now() of this process. */
export interface AuditObservation {
  readonly event: AuditEvent;
  /** When the event reached the audit (the pipeline calls write at once, so: when it happened). */
  readonly receivedAt: number;
  /** When the gating write settled (= receivedAt without a file). */
  readonly settledAt: number;
  /** False when the file refused the record. */
  readonly written: boolean;
  /** The record gated nothing and was let wait to share a write (outcomes, session ends): settledAt is not a write latency. */
  readonly deferred?: boolean;
}

/** Sees every event once its gating write settled. Must be cheap and must not throw (it is guarded anyway). */
export interface AuditObserver {
  observe(observation: AuditObservation): void;
}

export interface AuditFanOutOptions {
  /** The file; null when `audit.enabled: false` (events reach only the observers). */
  readonly primary: GatingSink | null;
  /** Name of the file's chain in the copies (`<host>:<stem>`). */
  readonly chain: string;
  readonly replicas: readonly ReplicaQueue[];
  readonly observers: readonly AuditObserver[];
  /**
   * Targets whose intents keep `sql_text` (the trail asks for the text when
   * any target does; intents of the others lose it here, before anything is
   * written). Null: every target keeps it.
   */
  readonly keepFullText: ReadonlySet<string> | null;
  /** How long close() lets the copies drain. */
  readonly closeDeadlineMs?: number;
  readonly logger: Logger;
}

const RESOLVED = Promise.resolve();
const NOT_CALLED = (): void => undefined;

/**
 * The AuditSink the pipeline writes to. The file alone decides whether a
 * write succeeded (and so whether a statement may run); once it settles,
 * the observers (metrics, spans) see the event and, if the file took it,
 * each secondary sink's queue gets the record as written, with its place in
 * the chain. A secondary sink never delays or refuses a statement.
 */
export class AuditFanOut implements AuditSink {
  readonly #options: AuditFanOutOptions;
  #closing: Promise<void> | null = null;
  #observerFailed = false;

  constructor(options: AuditFanOutOptions) {
    this.#options = options;
  }

  get healthy(): boolean {
    return this.#closing === null && (this.#options.primary?.healthy ?? true);
  }

  get replicas(): readonly ReplicaQueue[] {
    return this.#options.replicas;
  }

  write(raw: AuditEvent): Promise<void> {
    if (this.#closing !== null)
      return Promise.reject(new GatewayError(GatewayErrorCode.auditUnavailable, 'the audit sink is closed'));
    if (this.#options.primary === null) {
      this.note(raw, NOT_CALLED);
      return RESOLVED;
    }
    return new Promise<void>((resolve, reject) => this.note(raw, reject, resolve));
  }

  /**
   * Records that gate nothing (outcomes, session ends; `write` too): they
   * may wait a moment to share the next gating record's write. Settles
   * through callbacks: one outcome per statement makes no Promise.
   */
  note(raw: AuditEvent, failed: (err: unknown, event: AuditEvent) => void, written?: () => void): void {
    if (this.#closing !== null) {
      failed(new GatewayError(GatewayErrorCode.auditUnavailable, 'the audit sink is closed'), raw);
      return;
    }
    const receivedAt = performance.now();
    const event = this.#withoutUnwantedText(raw);
    const primary = this.#options.primary;
    if (primary === null) {
      this.#observe({ event, receivedAt, settledAt: receivedAt, written: true });
      written?.();
      return;
    }
    primary.queueLater(
      event,
      (record) => {
        this.#observe({ event, receivedAt, settledAt: performance.now(), written: true, deferred: true });
        if (record !== null && this.#options.replicas.length > 0) this.#replicate(event, record);
        written?.();
      },
      (err) => {
        this.#observe({ event, receivedAt, settledAt: performance.now(), written: false, deferred: true });
        failed(err, raw);
      },
    );
  }

  /**
   * For records that gate a statement (AuditSink.writeNow): recorded before
   * returning when the file can take it at once, so the statement path stays
   * synchronous; else a Promise, as `write`. Throws when the file refuses it.
   */
  writeNow(raw: AuditEvent): void | Promise<void> {
    if (this.#closing !== null)
      throw new GatewayError(GatewayErrorCode.auditUnavailable, 'the audit sink is closed');
    const receivedAt = performance.now();
    const event = this.#withoutUnwantedText(raw);
    const primary = this.#options.primary;
    if (primary === null) {
      this.#observe({ event, receivedAt, settledAt: receivedAt, written: true });
      return;
    }
    let record: WrittenRecord | Promise<WrittenRecord | null>;
    try {
      record = primary.appendNow(event);
    } catch (err) {
      this.#observe({ event, receivedAt, settledAt: performance.now(), written: false });
      throw err;
    }
    if (record instanceof Promise) return this.#settle(event, receivedAt, record);
    this.#observe({ event, receivedAt, settledAt: performance.now(), written: true });
    if (this.#options.replicas.length > 0) this.#replicate(event, record);
  }

  #settle(event: AuditEvent, receivedAt: number, pending: Promise<WrittenRecord | null>): Promise<void> {
    return pending.then(
      (record) => {
        this.#observe({ event, receivedAt, settledAt: performance.now(), written: true });
        if (record !== null && this.#options.replicas.length > 0) this.#replicate(event, record);
      },
      (err: unknown) => {
        this.#observe({ event, receivedAt, settledAt: performance.now(), written: false });
        throw err;
      },
    );
  }

  /** Closes the file first (every acknowledged record is in it), then lets the copies drain. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let failure: unknown = null;
      await this.#options.primary?.close().catch((err: unknown) => (failure = err));
      const deadline = this.#options.closeDeadlineMs ?? 5000;
      await Promise.all(this.#options.replicas.map((q) => q.close(deadline)));
      if (failure) throw failure;
    })();
    return this.#closing;
  }

  #replicate(event: AuditEvent, record: WrittenRecord): void {
    const replicated: ReplicatedRecord = {
      chain: this.#options.chain,
      seq: record.seq,
      hash: record.hash,
      line: record.line,
      event,
    };
    for (const queue of this.#options.replicas) queue.push(replicated);
  }

  #observe(observation: AuditObservation): void {
    for (const observer of this.#options.observers) {
      try {
        observer.observe(observation);
      } catch (err) {
        // Metrics and spans must never cost a statement; say so once.
        if (!this.#observerFailed)
          this.#options.logger.error({ err }, 'audit observer failed (metrics or spans may be incomplete)');
        this.#observerFailed = true;
      }
    }
  }

  #withoutUnwantedText(event: AuditEvent): AuditEvent {
    const keep = this.#options.keepFullText;
    if (
      keep === null ||
      event.type !== 'statement.intent' ||
      event.sql_text === undefined ||
      keep.has(event.target)
    )
      return event;
    const { sql_text: _dropped, ...rest } = event;
    return rest;
  }
}
