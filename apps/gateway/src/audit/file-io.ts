import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { ReadAt } from './chain-tail';

/**
 * The fd-level calls the file sink makes. Raw descriptors, not FileHandle: a
 * FileHandle closes its fd when garbage-collected, and after EBADF the number
 * may already belong to someone else.
 */
export const openFd = promisify(fs.open);
export const closeFd = promisify(fs.close);
export const fstatFd = promisify(fs.fstat);
export const fdatasyncFd = promisify(fs.fdatasync);
const writeFd = promisify(fs.write) as (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
) => Promise<{ bytesWritten: number }>;
const readFd = promisify(fs.read) as (
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesRead: number }>;

/** A write that failed after `bytesWritten` bytes of the buffer reached the file. */
export class PartialWriteError extends Error {
  override readonly name = 'PartialWriteError';
  constructor(
    readonly bytesWritten: number,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(cause.message, { cause });
  }
  get code(): string | undefined {
    return this.cause.code;
  }
}

/** Writes the whole buffer (retrying short writes); on error says how much got out. */
export async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    try {
      const { bytesWritten } = await writeFd(fd, buf, done, buf.length - done);
      done += bytesWritten;
    } catch (err) {
      throw new PartialWriteError(done, err as NodeJS.ErrnoException);
    }
  }
}

/**
 * As writeAll, in the calling thread: for a regular file a write(2) to the
 * page cache takes microseconds, far less than a round trip through the
 * libuv thread pool, and the statement waiting on it is not forwarded
 * until it returns anyway.
 */
export function writeAllSync(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) {
    try {
      done += fs.writeSync(fd, buf, done, buf.length - done);
    } catch (err) {
      throw new PartialWriteError(done, err as NodeJS.ErrnoException);
    }
  }
}

export function fdReader(fd: number): ReadAt {
  return async (position, length) => {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await readFd(fd, buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done);
  };
}

/** Makes a rename durable. Some filesystems cannot fsync a directory; that is not an error here. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let fd: number | null = null;
  try {
    fd = await openFd(dir, 'r');
    await promisify(fs.fsync)(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'ENOTSUP') throw err;
  } finally {
    if (fd !== null) await closeFd(fd).catch(() => undefined);
  }
}

export function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}
