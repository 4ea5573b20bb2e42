import type { AuditChain, ChainHead } from '@gatehouse/sql-core';
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

/** The sink's own pending records (`prefix`), then `bodies`, as chained lines after the chain's head. */
export function composeRecords(
  chain: AuditChain,
  prefix: readonly PrefixRecord[],
  bodies: readonly string[],
): ComposedRecords {
  const parts: string[] = [];
  const ends: number[] = [];
  const linked: WrittenRecord[] = [];
  let offset = 0;
  let head = chain.head;
  const add = (body: string, newlineFirst: boolean): void => {
    if (newlineFirst) {
      parts.push('\n');
      offset += 1;
    }
    const record = chain.link(body, head);
    linked.push(record);
    head = record;
    parts.push(record.line, '\n');
    offset += Buffer.byteLength(record.line) + 1;
    ends.push(offset);
  };
  for (const p of prefix) add(p.body, p.newlineFirst);
  const firstEntry = ends.length;
  for (const body of bodies) add(body, false);
  return { buf: Buffer.from(parts.join(''), 'utf8'), ends, linked, firstEntry, head };
}
