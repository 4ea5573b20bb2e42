import { hashLine, recordLead, type AuditChain, type ChainHead } from '@gatehouse/sql-core';
import type { WrittenRecord } from './file-sink-options';
import type { PrefixRecord } from './live-file';

/** One write's worth of records, chained after the head but not yet committed to it. */
export interface ComposedRecords {
  readonly buf: Buffer;
  /** Byte offset just past each record's newline. */
  readonly ends: number[];
  readonly linked: WrittenRecord[];
  /** Index of the first record that is not a prefix record. */
  readonly firstEntry: number;
  /** The head once the write is in the file. */
  readonly head: ChainHead;
}

/** Every hash the chain makes (sha256Hex): 64 ASCII hex digits. */
const HASH_BYTES = 64;

/**
 * The sink's own pending records (`prefix`), then `bodies`, as chained lines
 * after the chain's head, in one buffer. Each line is encoded once, straight
 * into the buffer, and hashed as those bytes (the chain hashes a line's
 * UTF-8 bytes): no intermediate string is encoded twice.
 */
export function composeRecords(
  chain: AuditChain,
  prefix: readonly PrefixRecord[],
  bodies: readonly string[],
): ComposedRecords {
  const count = prefix.length + bodies.length;
  const bodyAt = (i: number): string =>
    i < prefix.length ? (prefix[i] as PrefixRecord).body : (bodies[i - prefix.length] as string);
  const newlineFirst = (i: number): boolean => i < prefix.length && (prefix[i] as PrefixRecord).newlineFirst;

  let head = chain.head;
  // Sizes first, so the lines are written once into a buffer of the right length. A record's
  // bytes: its lead, its body without the `{` the lead replaces, a newline.
  const bodyBytes: number[] = new Array<number>(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.byteLength(bodyAt(i));
    bodyBytes[i] = bytes;
    const prevBytes = i === 0 ? Buffer.byteLength(head.hash) : HASH_BYTES;
    total += recordLead(head.seq + 1 + i, '').length + prevBytes + bytes + (newlineFirst(i) ? 1 : 0);
  }

  const buf = Buffer.allocUnsafe(total);
  const ends: number[] = [];
  const linked: WrittenRecord[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (newlineFirst(i)) buf[offset++] = 0x0a;
    const body = bodyAt(i);
    const seq = head.seq + 1;
    const lead = recordLead(seq, head.hash);
    const start = offset;
    const leadBytes = Buffer.byteLength(lead);
    // The body's `{` lands where the lead's last byte goes; the lead, written after, replaces it.
    buf.write(body, start + leadBytes - 1, 'utf8');
    buf.write(lead, start, 'utf8');
    const end = start + leadBytes - 1 + (bodyBytes[i] as number);
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
  }
  if (offset !== total) throw new Error(`audit records composed to ${offset} bytes, ${total} expected`);
  return { buf, ends, linked, firstEntry: prefix.length, head };
}
