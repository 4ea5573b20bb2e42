import {
  GatewayError,
  GatewayErrorCode,
  hashLine,
  parseRecordLine,
  type ChainHead,
} from '@gatehouse/sql-core';

/** What the end of an audit file says about the chain it holds. */
export interface ChainTail {
  /** The last complete record, or null when the file holds none. */
  readonly head: ChainHead | null;
  /**
   * Bytes after that record's newline that are not records: what a crash or
   * a failed write left behind. Empty for a clean file.
   */
  readonly torn: Buffer;
}

/** Reads up to `length` bytes at `position` (fewer only at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

const NEWLINE = 0x0a;
const FIRST_WINDOW = 64 * 1024;
/** A torn region larger than this is not a torn write: something else damaged the file. */
export const MAX_TORN_BYTES = 1024 * 1024;
/** Records are far smaller; a window this large without one means the file is not an audit file. */
const MAX_WINDOW = 64 * 1024 * 1024;

function damaged(path: string, why: string): GatewayError {
  return new GatewayError(
    GatewayErrorCode.auditUnavailable,
    `audit file ${path} ${why}; run \`gatehouse audit verify ${path}\` and move the file aside to start a new chain`,
  );
}

/**
 * Reads the end of an audit file (of `size` bytes) and finds its last
 * complete record. Lines after it are a torn region when they are not
 * records at all (a write cut short, then maybe a second one); a line that
 * parses as a record but is not canonical means the tail was edited, and the
 * file is refused rather than buried in a recovery.
 */
export async function readChainTail(readAt: ReadAt, size: number, path: string): Promise<ChainTail> {
  for (let window = Math.min(size, FIRST_WINDOW); ; window = Math.min(size, window * 4)) {
    const start = size - window;
    const buf = await readAt(start, window);
    const found = scan(buf, start === 0, path);
    if (found !== null) return found;
    if (start === 0) return { head: null, torn: buf };
    if (window >= MAX_WINDOW) throw damaged(path, `has no complete record in its last ${MAX_WINDOW} bytes`);
  }
}

/** Scans lines from the end of `buf`; null when the window must grow to decide. */
function scan(buf: Buffer, atFileStart: boolean, path: string): ChainTail | null {
  let end = buf.lastIndexOf(NEWLINE);
  // Everything after the last newline is a torn line (or nothing).
  let tornFrom = end + 1;
  while (end !== -1) {
    const prevNewline = end === 0 ? -1 : buf.lastIndexOf(NEWLINE, end - 1);
    if (prevNewline === -1 && !atFileStart) return null;
    const line = buf.subarray(prevNewline + 1, end);
    const parsed = parseRecordLine(line.toString('utf8'));
    if (parsed.ok) {
      return {
        head: { seq: parsed.record.seq, hash: hashLine(line) },
        torn: Buffer.from(buf.subarray(end + 1)),
      };
    }
    // A write cut short never leaves valid JSON behind: a complete JSON line that is not a
    // canonical record was put there (or edited) by hand, and is not ours to bury.
    if (parsed.kind === 'edited' || isJson(line)) {
      throw damaged(path, 'ends with a line that is not a record Gatehouse wrote (edited or added by hand)');
    }
    tornFrom = prevNewline + 1;
    if (buf.length - tornFrom > MAX_TORN_BYTES)
      throw damaged(path, `ends with more than ${MAX_TORN_BYTES} bytes that are not records`);
    end = prevNewline;
  }
  if (!atFileStart) return null;
  if (buf.length - tornFrom > MAX_TORN_BYTES)
    throw damaged(path, `holds more than ${MAX_TORN_BYTES} bytes that are not records`);
  return { head: null, torn: Buffer.from(buf) };
}

function isJson(line: Buffer): boolean {
  try {
    JSON.parse(line.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
