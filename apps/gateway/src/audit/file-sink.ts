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
import {
  closeFd,
  errorCode,
  fdatasyncFd,
  fsyncDirectory,
  PartialWriteError,
  writeAll,
  writeAllSync,
} from './file-io';
import { GroupFsync } from './group-fsync';
import { openLiveFile, type PrefixRecord } from './live-file';
import { composeRecords, type ComposedRecords } from './record-batch';
import { rotatedFileName } from './rotation';
import { WriteQueue, type QueuedRecord } from './write-queue';
import {
  AuditDurability,
  FILE_SINK_DEFAULTS,
  type FileAuditSinkOptions,
  type FileSinkStats,
  type WrittenRecord,
} from './file-sink-options';

export {
  AuditDurability,
  FILE_SINK_DEFAULTS,
  type FileAuditSinkOptions,
  type FileSinkStats,
  type WrittenRecord,
};

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
  readonly #fileMode: number;
  readonly #chain = new AuditChain();
  readonly #stats: FileSinkStats = { records: 0, batches: 0, fsyncs: 0, rotations: 0, failures: 0 };
  #lock: FileLock | null = null;
  #fd: number | null = null;
  #regular = true;
  #size = 0;
  #prefix: PrefixRecord[] = [];
  readonly #queue: WriteQueue;
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
    this.#fileMode = options.fileMode ?? FILE_SINK_DEFAULTS.fileMode;
    this.#queue = new WriteQueue({
      write: (batch) => this.#writeBatch(batch),
      laterMs: options.laterMs ?? FILE_SINK_DEFAULTS.laterMs,
      maxBatchBytes: options.maxBatchBytes ?? FILE_SINK_DEFAULTS.maxBatchBytes,
    });
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
    return this.#enqueue(event, false);
  }

  /**
   * As `append`, for a record that gates nothing (an outcome, a session end):
   * it waits up to `laterMs` for the next gating record's write to carry it
   * (one write(2) for both), in call order with every other record. Resolves
   * once written, like `append`.
   */
  appendLater(event: AuditEvent): Promise<WrittenRecord | null> {
    return this.#enqueue(event, true);
  }

  /**
   * As `appendLater`, settled through callbacks rather than a Promise: the
   * statement path queues one outcome per statement. Either callback may run
   * before this returns (a closed sink, an event with no JSON form).
   */
  queueLater(
    event: AuditEvent,
    resolve: (record: WrittenRecord | null) => void,
    reject: (err: Error) => void,
  ): void {
    this.#push(event, true, resolve, reject);
  }

  #enqueue(event: AuditEvent, later: boolean): Promise<WrittenRecord | null> {
    return new Promise<WrittenRecord | null>((resolve, reject) => this.#push(event, later, resolve, reject));
  }

  #push(
    event: AuditEvent,
    later: boolean,
    resolve: (record: WrittenRecord | null) => void,
    reject: (err: Error) => void,
  ): void {
    if (this.#closing !== null) {
      reject(new GatewayError(GatewayErrorCode.auditUnavailable, 'the audit sink is closed'));
      return;
    }
    let body: string;
    try {
      body = eventBody(event);
    } catch (err) {
      reject(err as Error);
      return;
    }
    this.#queue.push({ body, resolve, reject }, later);
  }

  /**
   * The statement path's fast path (AuditSink.writeNow): with `write`
   * durability and the file open, regular and idle, what is queued and this
   * record go out in one write(2) before this returns, so the statement
   * waiting on it continues without a promise. Otherwise as `write`. Throws
   * (or rejects) as `write` rejects.
   */
  writeNow(event: AuditEvent): void | Promise<void> {
    const record = this.appendNow(event);
    return record instanceof Promise ? record.then(() => undefined) : undefined;
  }

  /** As `writeNow`, with the record's place in the chain. */
  appendNow(event: AuditEvent): WrittenRecord | Promise<WrittenRecord | null> {
    if (!this.#canWriteNow()) return this.append(event);
    const body = eventBody(event);
    // Records queued before this one keep their place: they go first, in the same write.
    const batch = this.#queue.takeAll();
    const bodies = batch.map((e) => e.body);
    bodies.push(body);
    // Written below before anything else can compose: the reused buffer will do.
    const composed = composeRecords(this.#chain, this.#prefix, bodies, true);
    try {
      writeAllSync(this.#fd as number, composed.buf);
    } catch (raw) {
      const err = raw as Error;
      this.#fail(err);
      const written = err instanceof PartialWriteError ? err.bytesWritten : 0;
      this.#settleFailed(batch, composed, written, err);
      const last = composed.ends.length - 1;
      if ((composed.ends[last] ?? Infinity) <= written) return composed.linked[last] as WrittenRecord;
      throw this.#refusal(err);
    }
    this.#written(composed);
    this.#fsync.written(composed.ends.length);
    this.#healed();
    batch.forEach((e, i) => e.resolve(composed.linked[composed.firstEntry + i] ?? null));
    return composed.linked[composed.ends.length - 1] as WrittenRecord;
  }

  #canWriteNow(): boolean {
    return (
      this.#closing === null &&
      !this.#queue.writing &&
      this.#durability === AuditDurability.write &&
      this.#fd !== null &&
      this.#regular &&
      !this.#mustReopen &&
      this.#prefix.length === 0 &&
      !this.#rotationDue()
    );
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
    await this.#queue.drain();
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

  /** The bookkeeping once a composed write is in the file. */
  #written(composed: ComposedRecords): void {
    this.#stats.batches += 1;
    this.#stats.records += composed.ends.length;
    this.#size += composed.buf.length;
    this.#prefix = [];
    this.#chain.commit(composed.head);
  }

  /** Settles `batch` (entries firstEntry.. of `composed`) after a failed write that got `written` bytes out. */
  #settleFailed(
    batch: readonly QueuedRecord[],
    composed: ComposedRecords | null,
    written: number,
    err: Error,
  ): void {
    batch.forEach((e, i) => {
      const at = (composed?.firstEntry ?? 0) + i;
      if ((composed?.ends[at] ?? Infinity) <= written) e.resolve(composed?.linked[at] ?? null);
      else e.reject(this.#refusal(err));
    });
  }

  /** Writes the pending prefix and `batch` in one syscall; settles every entry. Never throws. */
  async #writeBatch(batch: QueuedRecord[]): Promise<Error | null> {
    let composed: ComposedRecords | null = null;
    try {
      if (this.#mustReopen || this.#fd === null) await this.#openLive();
      if (this.#rotationDue()) await this.#rotate();
      const fd = this.#fd as number;
      // A regular file is written in this thread (microseconds, no thread-pool round trip on the
      // statement's path), at once: from the reused buffer. A device or pipe, which may block,
      // through the thread pool, from a buffer of its own.
      composed = composeRecords(
        this.#chain,
        this.#prefix,
        batch.map((e) => e.body),
        this.#regular,
      );
      if (this.#regular) writeAllSync(fd, composed.buf);
      else await writeAll(fd, composed.buf);
      this.#written(composed);
      if (this.#durability === AuditDurability.fsync) {
        await fdatasyncFd(fd);
        this.#stats.fsyncs += 1;
      } else {
        this.#fsync.written(composed.ends.length);
      }
      this.#healed();
      batch.forEach((e, i) => e.resolve(composed!.linked[composed!.firstEntry + i] ?? null));
      return null;
    } catch (raw) {
      const err = raw as Error;
      this.#fail(err);
      // In `write` durability, records that fully reached the file before a failed write are recorded.
      const written =
        err instanceof PartialWriteError && this.#durability === AuditDurability.write ? err.bytesWritten : 0;
      this.#settleFailed(batch, composed, written, err);
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
