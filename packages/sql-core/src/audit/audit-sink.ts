import type { AuditEvent } from './audit-event';

export type { AuditEvent } from './audit-event';

/**
 * Where audit events go. Writes are recorded in call order.
 *
 * `write` resolves once the event is recorded as durably as the sink promises
 * (for the file sink: in the file, or fsynced; see docs/audit.md) and rejects
 * when it could not be: the caller then refuses the statement (fail closed).
 */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
  /**
   * Optional fast path for records that gate a statement: records the event
   * before returning when that is cheap (one write to an idle file), so the
   * statement path stays synchronous; returns a Promise when it has to wait
   * (a batch in flight, a rotation). Throws or rejects, as `write`, when the
   * event cannot be recorded. Same ordering and durability as `write`.
   */
  writeNow?(event: AuditEvent): void | Promise<void>;
  /**
   * Optional fast path for records that gate nothing (statement outcomes,
   * session ends): as `write`, with a failure reported to `failed` instead
   * of a Promise (one per statement is measurable), and the record free to
   * wait a moment to share a later write. Same ordering as `write`.
   */
  note?(event: AuditEvent, failed: (err: unknown, event: AuditEvent) => void): void;
  /** Flushes and releases the sink; later writes reject. */
  close(): Promise<void>;
  /**
   * False after a write failed, until a later write succeeds, and once closed.
   * Readiness probes and metrics read it; the statement path relies on `write`
   * rejecting, never on this flag.
   */
  readonly healthy: boolean;
}
