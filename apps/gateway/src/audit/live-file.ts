import {
  chainRecoveredEvent,
  chainRotatedEvent,
  eventBody,
  GatewayError,
  GatewayErrorCode,
  type ChainHead,
} from '@gatehouse/sql-core';
import type { Logger } from 'pino';
import { readChainTail, type ChainTail } from './chain-tail';
import { closeFd, fdReader, fstatFd, openFd } from './file-io';
import { listRotatedFiles } from './rotation';

/** A record the sink writes for itself ahead of the next batch. */
export interface PrefixRecord {
  readonly body: string;
  /** Terminate a torn line first. */
  readonly newlineFirst: boolean;
}

/** The live file, opened, and where its chain stands. */
export interface LiveFile {
  readonly fd: number;
  /** False for a device or pipe: no tail to read, no rotation. */
  readonly regular: boolean;
  readonly size: number;
  /** The record the next one chains to (EMPTY for a new chain). */
  readonly head: ChainHead | null;
  /** `chain.recovered` / `chain.rotated` records to write first. */
  readonly prefix: readonly PrefixRecord[];
}

export interface OpenLiveOptions {
  readonly path: string;
  readonly fileMode: number;
  /** The last record this sink wrote (seq 0 when it wrote none). */
  readonly written: ChainHead;
  readonly time: Date;
  readonly logger: Logger;
}

/**
 * Opens (creating) the live file with O_APPEND and works out where its chain
 * stands from what is on disk: its last record; else the newest rotated
 * file's last record or, failing that, what this sink last wrote (a
 * `chain.rotated` record goes first); else genesis. A torn end is terminated
 * and vouched for by a `chain.recovered` record.
 */
export async function openLiveFile(options: OpenLiveOptions): Promise<LiveFile> {
  const { path, logger, time } = options;
  const fd = await openFd(path, 'a+', options.fileMode);
  try {
    const st = await fstatFd(fd);
    const regular = st.isFile();
    const tail: ChainTail = regular
      ? await readChainTail(fdReader(fd), st.size, path)
      : { head: null, torn: Buffer.alloc(0) };
    const prefix: PrefixRecord[] = [];
    if (tail.torn.length > 0) {
      const newlineFirst = tail.torn[tail.torn.length - 1] !== 0x0a;
      const region = newlineFirst ? Buffer.concat([tail.torn, Buffer.from('\n')]) : tail.torn;
      prefix.push({ body: eventBody(chainRecoveredEvent(region, time)), newlineFirst });
      logger.warn(
        { path, tornBytes: region.length },
        'audit file ended with a torn record; recording chain.recovered',
      );
    }
    let head = tail.head;
    if (head === null) {
      const continued = await continuation(path, options.written);
      if (continued !== null) {
        head = continued.head;
        prefix.push({ body: eventBody(chainRotatedEvent(continued.rotatedFrom, time)), newlineFirst: false });
      }
    } else if (head.seq < options.written.seq) {
      logger.warn(
        { path, file: head.seq, written: options.written.seq },
        'audit file is behind what this sink wrote; continuing from the file',
      );
    }
    return { fd, regular, size: st.size, head, prefix };
  } catch (err) {
    await closeFd(fd).catch(() => undefined);
    throw err;
  }
}

/** Where a live file with no records continues the chain from. */
async function continuation(
  path: string,
  written: ChainHead,
): Promise<{ head: ChainHead; rotatedFrom: string | null } | null> {
  const newest = (await listRotatedFiles(path)).at(-1);
  if (newest !== undefined) {
    const fd = await openFd(newest.path, 'r');
    try {
      const { size } = await fstatFd(fd);
      const tail = await readChainTail(fdReader(fd), size, newest.path);
      if (tail.torn.length > 0 || tail.head === null) {
        throw new GatewayError(
          GatewayErrorCode.auditUnavailable,
          `rotated audit file ${newest.path} does not end with a complete record; run gatehouse audit verify`,
        );
      }
      if (tail.head.seq >= written.seq) return { head: tail.head, rotatedFrom: newest.name };
    } finally {
      await closeFd(fd).catch(() => undefined);
    }
  }
  return written.seq > 0 ? { head: written, rotatedFrom: null } : null;
}
