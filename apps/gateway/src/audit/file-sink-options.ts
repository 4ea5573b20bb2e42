import type { Logger } from 'pino';

/**
 * When `write()` resolves.
 * - `write`: once the line is in the file (the write syscall returned). A
 *   killed process loses nothing it acknowledged (the kernel holds the page);
 *   a machine crash or power loss may lose what was not yet fsynced: at most
 *   `fsyncIntervalMs` or `fsyncEveryRecords` worth.
 * - `fsync`: once the group fsync (fdatasync) covering the line returned.
 *   Nothing acknowledged is lost to a machine crash; each write waits for
 *   the disk.
 */
export const AuditDurability = { write: 'write', fsync: 'fsync' } as const;
export type AuditDurability = (typeof AuditDurability)[keyof typeof AuditDurability];

export interface FileAuditSinkOptions {
  /** The live file; rotated files are written beside it. One writer per file (a lock file enforces it). */
  readonly path: string;
  readonly logger: Logger;
  readonly durability?: AuditDurability;
  /** `write` durability: fsync at most this long after a record was written. */
  readonly fsyncIntervalMs?: number;
  /** `write` durability: fsync at once when this many records are unsynced. */
  readonly fsyncEveryRecords?: number;
  /** Rotate once the live file reaches this size; null never rotates. */
  readonly rotateBytes?: number | null;
  /** Upper bound on one write syscall's worth of queued records. */
  readonly maxBatchBytes?: number;
  /**
   * How long a record that gates nothing (`appendLater`: statement outcomes,
   * session ends) may wait in memory for a write to share: the next gating
   * record's write takes it along, or this timer writes it. 0 writes it in
   * the next turn of the event loop, as `append` does.
   */
  readonly laterMs?: number;
  /** Permissions of a file the sink creates. */
  readonly fileMode?: number;
  readonly clock?: () => Date;
}

export const FILE_SINK_DEFAULTS = {
  durability: AuditDurability.write,
  fsyncIntervalMs: 50,
  fsyncEveryRecords: 1000,
  rotateBytes: 256 * 1024 * 1024,
  maxBatchBytes: 4 * 1024 * 1024,
  laterMs: 5,
  fileMode: 0o600,
} as const;

export interface FileSinkStats {
  /** Records written, the sink's own chain records included. */
  records: number;
  /** Write syscalls that carried records (a short write retried counts once). */
  batches: number;
  fsyncs: number;
  rotations: number;
  /** Batches or fsyncs that failed. */
  failures: number;
}

/** Where a record landed in the chain: what copies of the chain (PostgreSQL, webhook) carry. */
export interface WrittenRecord {
  readonly seq: number;
  /** SHA-256 of `line`: the next record's `prev`. */
  readonly hash: string;
  /** The exact line in the file, without the newline. */
  readonly line: string;
}
