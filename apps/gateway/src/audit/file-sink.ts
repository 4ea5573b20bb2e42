import {
  AuditChain,
  EMPTY_CHAIN_HEAD,
  eventBody,
  GatewayError,
  GatewayErrorCode,
  type AuditEvent,
  type AuditSink,
  type ChainHead,
} from '@gatehouse/sql-core';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { acquireFileLock, type FileLock } from './file-lock';
import { closeFd, errorCode, fdatasyncFd, fsyncDirectory, PartialWriteError, writeAll } from './file-io';
import { GroupFsync } from './group-fsync';
import { openLiveFile, type PrefixRecord } from './live-file';
import { rotatedFileName } from './rotation';

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

interface Entry {
  readonly body: string;
  readonly resolve: (record: WrittenRecord | null) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The default audit sink: an append-only (O_APPEND) JSONL file holding one
 * hash chain, across rotations and restarts. Concurrent writes queue in call
 * order; whatever queued while a write was in flight goes out in the next
 * single write syscall (group commit), then fsyncs follow per `durability`.
 *
 * Failure: a failed write or fsync rejects the writes it carried, marks the
 * sink unhealthy, and makes the next write reopen the file and re-read its
 * tail, so the chain continues from what is really on disk (a torn line gets
 * a `chain.recovered` record). The first write that succeeds makes it
 * healthy again. See docs/audit.md.
 */
export class FileAuditSink implements AuditSink {
  readonly path: string;
  readonly #logger: Logger;
  readonly #clock: () => Date;
  readonly #durability: AuditDurability;
  readonly #rotateBytes: number | null;
  readonly #maxBatchBytes: number;
  readonly #fileMode: number;
  readonly #chain = new AuditChain();
  readonly #stats: FileSinkStats = { records: 0, batches: 0, fsyncs: 0, rotations: 0, failures: 0 };
  #lock: FileLock | null = null;
  #fd: number | null = null;
  #regular = true;
  #size = 0;
  #prefix: PrefixRecord[] = [];
  #queue: Entry[] = [];
  #scheduled = false;
  #pumping: Promise<void> | null = null;
  #failure: Error | null = null;
  #mustReopen = false;
  #closing: Promise<void> | null = null;
  /** After a failed rotation: the size at which to try again. */
  #rotationRetryAt = 0;
  readonly #fsync: GroupFsync;

  private constructor(options: FileAuditSinkOptions) {
    this.path = options.path;
    this.#logger = options.logger;
    this.#clock = options.clock ?? (() => new Date());
    this.#durability = options.durability ?? FILE_SINK_DEFAULTS.durability;
    this.#rotateBytes =
      options.rotateBytes === undefined ? FILE_SINK_DEFAULTS.rotateBytes : options.rotateBytes;
    this.#maxBatchBytes = options.maxBatchBytes ?? FILE_SINK_DEFAULTS.maxBatchBytes;
    this.#fileMode = options.fileMode ?? FILE_SINK_DEFAULTS.fileMode;
    this.#fsync = new GroupFsync({
      intervalMs: options.fsyncIntervalMs ?? FILE_SINK_DEFAULTS.fsyncIntervalMs,
      everyRecords: options.fsyncEveryRecords ?? FILE_SINK_DEFAULTS.fsyncEveryRecords,
      fd: () => this.#fd,
      onSynced: () => void (this.#stats.fsyncs += 1),
      onError: (err) => this.#fail(err),
    });
  }

  /**
   * Takes the file's lock, opens it (creating it), continues the chain from
   * its last record (or the newest rotated file's), and records a recovery
   * or continuation before returning. Rejects when any of that fails.
   */
  static async open(options: FileAuditSinkOptions): Promise<FileAuditSink> {
    const sink = new FileAuditSink(options);
    await sink.#start();
    return sink;
  }

  get healthy(): boolean {
    return this.#closing === null && this.#failure === null;
  }

  /** The last record in the file: `--expect-head SEQ:HASH` material. */
  get head(): ChainHead {
    return this.#chain.head;
  }

  get stats(): Readonly<FileSinkStats> {
    return { ...this.#stats };
  }

  write(event: AuditEvent): Promise<void> {
    return this.append(event).then(() => undefined);
  }

  /** As `write`, resolving with the record's place in the chain (null if it is not known). */
  append(event: AuditEvent): Promise<WrittenRecord | null> {
    if (this.#closing !== null) {
      return Promise.reject(new GatewayError(GatewayErrorCode.auditUnavailable, 'the audit sink is closed'));
    }
    let body: string;
    try {
      body = eventBody(event);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<WrittenRecord | null>((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      this.#kick();
    });
  }

  /** Writes what is queued, fsyncs, releases the file. Rejects if the last fsync failed. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #start(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    this.#lock = await acquireFileLock(`${this.path}.lock`);
    try {
      await this.#openLive();
      if (this.#prefix.length > 0) {
        const err = await this.#writeBatch([]);
        if (err) throw err;
      }
    } catch (err) {
      await this.#releaseFd(err);
      await this.#lock.release();
      throw err;
    }
  }

  async #shutdown(): Promise<void> {
    while (this.#scheduled || this.#pumping !== null) {
      await (this.#pumping ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
    this.#fsync.cancel();
    let failure: Error | null = null;
    await this.#fsync.settle();
    if (this.#fd !== null && !this.#mustReopen) {
      try {
        await fdatasyncFd(this.#fd);
        this.#stats.fsyncs += 1;
        this.#fsync.synced();
      } catch (err) {
        failure = err as Error;
        this.#fail(failure);
      }
    }
    await this.#releaseFd(this.#failure);
    await this.#lock?.release();
    if (failure) throw failure;
  }

  #kick(): void {
    if (this.#pumping !== null || this.#scheduled) return;
    this.#scheduled = true;
    // A microtask, so writes issued in the same tick share the first batch.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pumping = this.#pump().finally(() => {
        this.#pumping = null;
        if (this.#queue.length > 0) this.#kick();
      });
    });
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0) await this.#writeBatch(this.#takeBatch());
  }

  #takeBatch(): Entry[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#queue.length) {
      bytes += (this.#queue[n] as Entry).body.length + 160;
      if (n > 0 && bytes > this.#maxBatchBytes) break;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }

  /** Writes the pending prefix and `batch` in one syscall; settles every entry. Never throws. */
  async #writeBatch(batch: Entry[]): Promise<Error | null> {
    let ends: number[] = [];
    let firstEntry = 0;
    const linkedLines: WrittenRecord[] = [];
    try {
      if (this.#mustReopen || this.#fd === null) await this.#openLive();
      if (this.#rotationDue()) await this.#rotate();
      const fd = this.#fd as number;
      const parts: string[] = [];
      ends = [];
      let offset = 0;
      let head = this.#chain.head;
      const add = (body: string, newlineFirst: boolean): void => {
        if (newlineFirst) {
          parts.push('\n');
          offset += 1;
        }
        const linked = this.#chain.link(body, head);
        linkedLines.push(linked);
        head = linked;
        parts.push(linked.line, '\n');
        offset += Buffer.byteLength(linked.line) + 1;
        ends.push(offset);
      };
      for (const p of this.#prefix) add(p.body, p.newlineFirst);
      firstEntry = ends.length;
      for (const e of batch) add(e.body, false);
      const buf = Buffer.from(parts.join(''), 'utf8');

      await writeAll(fd, buf);
      this.#stats.batches += 1;
      this.#stats.records += ends.length;
      this.#size += buf.length;
      this.#prefix = [];
      this.#chain.commit(head);
      if (this.#durability === AuditDurability.fsync) {
        await fdatasyncFd(fd);
        this.#stats.fsyncs += 1;
      } else {
        this.#fsync.written(ends.length);
      }
      this.#healed();
      batch.forEach((e, i) => e.resolve(linkedLines[firstEntry + i] ?? null));
      return null;
    } catch (raw) {
      const err = raw as Error;
      this.#fail(err);
      // In `write` durability, records that fully reached the file before a failed write are recorded.
      const written =
        err instanceof PartialWriteError && this.#durability === AuditDurability.write ? err.bytesWritten : 0;
      batch.forEach((e, i) => {
        if ((ends[firstEntry + i] ?? Infinity) <= written) e.resolve(linkedLines[firstEntry + i] ?? null);
        else e.reject(this.#refusal(err));
      });
      return err;
    }
  }

  #refusal(err: Error): GatewayError {
    return new GatewayError(
      GatewayErrorCode.auditUnavailable,
      `audit record not written to ${this.path}: ${err.message}`,
      {
        cause: err,
      },
    );
  }

  #fail(err: Error): void {
    this.#stats.failures += 1;
    this.#mustReopen = true;
    if (this.#failure === null)
      this.#logger.error({ err, path: this.path }, 'audit file write failed; sink unhealthy');
    else this.#logger.debug({ err, path: this.path }, 'audit file still failing');
    this.#failure = err;
  }

  #healed(): void {
    if (this.#failure === null) return;
    this.#logger.warn(
      { path: this.path, seq: this.#chain.head.seq },
      'audit file writable again; sink healthy',
    );
    this.#failure = null;
  }

  #rotationDue(): boolean {
    return (
      this.#rotateBytes !== null &&
      this.#regular &&
      this.#prefix.length === 0 &&
      this.#chain.head.seq > 0 &&
      this.#size >= Math.max(this.#rotateBytes, this.#rotationRetryAt)
    );
  }

  /**
   * fsync, close, rename aside, open a new live file whose first record
   * chains to the old one's last. A rename that fails does not stop the
   * audit: the live file is reopened and grows on, and rotation is tried
   * again once it has grown by another `rotateBytes`.
   */
  async #rotate(): Promise<void> {
    const fd = this.#fd as number;
    const rotateBytes = this.#rotateBytes as number;
    await this.#fsync.settle();
    await fdatasyncFd(fd);
    this.#stats.fsyncs += 1;
    this.#fsync.synced();
    await this.#releaseFd(null);
    const name = rotatedFileName(this.path, this.#clock(), this.#chain.head.seq);
    const target = join(dirname(this.path), name);
    try {
      // Never replace a file: rename(2) would, silently.
      if (existsSync(target)) throw new Error(`${target} already exists`);
      await rename(this.path, target);
      this.#rotationRetryAt = 0;
    } catch (err) {
      this.#rotationRetryAt = this.#size + rotateBytes;
      this.#logger.error(
        { err, path: this.path, target },
        'audit file rotation failed; writing on to the live file',
      );
      await this.#openLive();
      return;
    }
    await fsyncDirectory(dirname(this.path));
    this.#stats.rotations += 1;
    this.#logger.info({ path: this.path, rotated: target, seq: this.#chain.head.seq }, 'audit file rotated');
    await this.#openLive();
  }

  /** (Re)opens the live file and sets the chain from what is on disk (see openLiveFile). */
  async #openLive(): Promise<void> {
    await this.#fsync.settle();
    await this.#releaseFd(this.#failure);
    this.#prefix = [];
    const live = await openLiveFile({
      path: this.path,
      fileMode: this.#fileMode,
      written: this.#chain.head,
      time: this.#clock(),
      logger: this.#logger,
    });
    this.#fd = live.fd;
    this.#regular = live.regular;
    this.#size = live.size;
    this.#chain.reset(live.head ?? EMPTY_CHAIN_HEAD);
    this.#prefix = [...live.prefix];
    this.#mustReopen = false;
  }

  /** Closes the fd, unless the failure that brought us here says it is no longer ours (EBADF). */
  async #releaseFd(cause: unknown): Promise<void> {
    const fd = this.#fd;
    this.#fd = null;
    if (fd === null || errorCode(cause) === 'EBADF') return;
    await closeFd(fd).catch(() => undefined);
  }
}
