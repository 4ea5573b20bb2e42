import { hashLine, recordLead, type AuditChain, type ChainHead } from '@gatehouse/sql-core';
import type { WrittenRecord } from './file-sink-options';
import type { PrefixRecord } from './live-file';

/** One write's worth of records, chained after the head but not yet committed to it. */
export interface ComposedRecords {
  /** The bytes to write. With `scratch`, valid only until the next composeRecords call. */
  readonly buf: Buffer;
  /** Byte offset just past each record's newline. */
  readonly ends: number[];
  readonly linked: WrittenRecord[];
  /** Index of the first record that is not a prefix record. */
  readonly firstEntry: number;
  /** The head once the write is in the file. */
  readonly head: ChainHead;
}

/** A record's lead at most: `{"seq":` + 16 digits + `,"prev":"` + the hash (UTF-8) + `",`. */
const LEAD_BYTES = 18 + 16;

/**
 * Room reused by writes that finish before the caller returns (the file
 * sink's write(2) from this thread): no buffer allocated per statement.
 * Larger batches get a buffer of their own.
 */
const SCRATCH_MAX = 1024 * 1024;
let scratchBuffer = Buffer.allocUnsafeSlow(64 * 1024);

function room(bytes: number, scratch: boolean): Buffer {
  if (!scratch || bytes > SCRATCH_MAX) return Buffer.allocUnsafe(bytes);
  if (scratchBuffer.length < bytes) scratchBuffer = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, bytes * 2));
  return scratchBuffer;
}

/**
 * The sink's own pending records (`prefix`), then `bodies`, as chained lines
 * after the chain's head, in one buffer. Each line is encoded once, straight
 * into the buffer, and hashed as those bytes (the chain hashes a line's
 * UTF-8 bytes): no string is encoded twice. `scratch`: the caller writes the
 * buffer before anything else composes (a synchronous write), so it may be
 * the reused one.
 */
export function composeRecords(
  chain: AuditChain,
  prefix: readonly PrefixRecord[],
  bodies: readonly string[],
  scratch = false,
): ComposedRecords {
  let head = chain.head;
  // Room enough whatever the text: a UTF-16 code unit is at most 3 bytes of UTF-8.
  const perRecord = 1 + LEAD_BYTES + Math.max(64, head.hash.length) * 3;
  let bound = 0;
  for (const p of prefix) bound += 1 + p.body.length * 3 + perRecord;
  for (const body of bodies) bound += body.length * 3 + perRecord;
  const buf = room(bound, scratch);

  const ends: number[] = [];
  const linked: WrittenRecord[] = [];
  let offset = 0;
  const add = (body: string): void => {
    const seq = head.seq + 1;
    const lead = recordLead(seq, head.hash);
    const start = offset;
    const leadBytes = Buffer.byteLength(lead);
    // The body's `{` lands where the lead's last byte goes; the lead, written after, replaces it.
    const end = start + leadBytes - 1 + buf.write(body, start + leadBytes - 1, 'utf8');
    buf.write(lead, start, 'utf8');
    const record: WrittenRecord = {
      seq,
      hash: hashLine(buf.subarray(start, end)),
      line: lead + body.slice(1),
    };
    buf[end] = 0x0a;
    offset = end + 1;
    linked.push(record);
    ends.push(offset);
    head = record;
  };
  for (const p of prefix) {
    if (p.newlineFirst) buf[offset++] = 0x0a;
    add(p.body);
  }
  for (const body of bodies) add(body);
  return { buf: buf.subarray(0, offset), ends, linked, firstEntry: prefix.length, head };
}
