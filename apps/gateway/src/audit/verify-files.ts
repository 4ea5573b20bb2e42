import {
  chainOrder,
  ChainVerifier,
  GatewayError,
  GatewayErrorCode,
  peekSeq,
  type ChainVerification,
  type VerifyOptions,
} from '@gatehouse/sql-core';
import { closeFd, fdReader, fstatFd, openFd } from './file-io';

const NEWLINE = 0x0a;
/** No record comes near this; a longer line is refused rather than buffered. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface VerifyFilesOptions extends VerifyOptions {
  /** Read size; small values exercise lines split across reads in tests. */
  readonly chunkBytes?: number;
}

export interface FilesVerification extends ChainVerification {
  /** The files in the order they were verified (by first seq). */
  readonly order: readonly string[];
}

/** Reading problems (missing file, not a regular file) as opposed to a broken chain. */
export class AuditFileError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.auditUnavailable, message, options);
  }
}

/**
 * Calls `onLine` for each newline-terminated line of the file (without the
 * newline) and returns what follows the last newline, or null. `onLine`
 * returns false to stop early.
 */
async function forEachLine(
  path: string,
  chunkBytes: number,
  onLine: (line: Buffer) => boolean,
): Promise<Buffer | null> {
  let fd: number;
  try {
    fd = await openFd(path, 'r');
  } catch (err) {
    throw new AuditFileError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = await fstatFd(fd);
    if (!st.isFile()) throw new AuditFileError(`${path} is not a regular file`);
    const read = fdReader(fd);
    let carry: Buffer[] = [];
    let carryBytes = 0;
    for (let position = 0; ;) {
      const chunk = await read(position, chunkBytes);
      if (chunk.length === 0) break;
      position += chunk.length;
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, nl);
        const line = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
        carry = [];
        carryBytes = 0;
        start = nl + 1;
        if (!onLine(line)) return null;
      }
      if (start < chunk.length) {
        // A line continues in the next chunk.
        carry.push(Buffer.from(chunk.subarray(start)));
        carryBytes += chunk.length - start;
        if (carryBytes > MAX_LINE_BYTES)
          throw new AuditFileError(
            `${path} holds a line longer than ${MAX_LINE_BYTES} bytes: not an audit file`,
          );
      }
    }
    return carry.length === 0 ? null : Buffer.concat(carry);
  } finally {
    await closeFd(fd).catch(() => undefined);
  }
}

async function firstSeqOf(path: string, chunkBytes: number): Promise<number | null> {
  let seq: number | null = null;
  await forEachLine(path, chunkBytes, (line) => {
    seq = peekSeq(line.toString('utf8'));
    return seq === null;
  });
  return seq;
}

/**
 * Verifies audit files as one chain, streaming. Files may be given in any
 * order: they are verified in the order of their first record's seq. Throws
 * AuditFileError when a file cannot be read; a broken chain is a result.
 */
export async function verifyAuditFiles(
  paths: readonly string[],
  options: VerifyFilesOptions = {},
): Promise<FilesVerification> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const firsts = new Map<string, number | null>();
  for (const path of paths) firsts.set(path, await firstSeqOf(path, chunkBytes));
  const order = chainOrder(paths, (p) => firsts.get(p) ?? null);
  const verifier = new ChainVerifier(options);
  for (const path of order) {
    if (!verifier.wantsMore) break;
    verifier.beginFile(path);
    const rest = await forEachLine(path, chunkBytes, (line) => {
      verifier.line(line);
      return verifier.wantsMore;
    });
    verifier.endFile(rest);
  }
  return { ...verifier.finish(), order };
}
