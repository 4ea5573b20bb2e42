import type { AuditMaskedColumn } from '@gatehouse/sql-core';
import { BackendCode, ProtocolError } from '../codec';
import type { ColumnRewrite } from './column-maskers';

/** Bytes before the first column of a DataRow: type, Int32 length, Int16 column count. */
const DATA_ROW_HEADER = 7;

/**
 * Rewrites DataRow messages of one result: only cells of masked columns are
 * decoded; a row where no mask changed anything is not copied (the caller
 * forwards the original bytes). Every length is checked against the message.
 */
export class RowMasker {
  readonly rewrites: readonly (ColumnRewrite | undefined)[];
  /** Values rewritten per column, for the audit. */
  readonly #counts: number[];

  constructor(rewrites: readonly (ColumnRewrite | undefined)[]) {
    this.rewrites = rewrites;
    this.#counts = rewrites.map(() => 0);
  }

  /** The columns whose values were rewritten, and how many. */
  audit(): AuditMaskedColumn[] {
    const out: AuditMaskedColumn[] = [];
    this.rewrites.forEach((r, i) => {
      const values = this.#counts[i] ?? 0;
      if (r !== undefined && values > 0)
        out.push({ column: r.column, table: r.table, detectors: [r.kind], values });
    });
    return out;
  }

  /** The rewritten DataRow, or null when the row passes unchanged. */
  mask(buf: Buffer, start: number, end: number): Buffer | null {
    let pos = start + DATA_ROW_HEADER;
    if (pos > end) throw new ProtocolError('DataRow too short');
    const count = buf.readUInt16BE(start + 5);
    if (count !== this.rewrites.length) {
      throw new ProtocolError(`DataRow has ${count} columns; its RowDescription had ${this.rewrites.length}`);
    }
    let changes: (number | Buffer | null)[] | null = null;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > end) throw new ProtocolError('DataRow column length past the end of the message');
      const len = buf.readInt32BE(pos);
      pos += 4;
      if (len < 0) {
        if (len !== -1) throw new ProtocolError(`DataRow column ${i} has invalid length ${len}`);
        continue;
      }
      const valueEnd = pos + len;
      if (valueEnd > end) throw new ProtocolError('DataRow value past the end of the message');
      const rewrite = this.rewrites[i];
      if (rewrite !== undefined) {
        const out = rewriteValue(rewrite, buf, pos, valueEnd);
        if (out !== undefined) {
          (changes ??= []).push(pos - 4, valueEnd, out);
          this.#counts[i] = (this.#counts[i] ?? 0) + 1;
        }
      }
      pos = valueEnd;
    }
    if (pos !== end) throw new ProtocolError('DataRow has bytes after its last column');
    return changes === null ? null : assemble(buf, start, end, changes);
  }
}

/** The new value (null: SQL NULL), or undefined when the mask left it as it was. */
export function rewriteValue(
  rewrite: ColumnRewrite,
  buf: Buffer,
  start: number,
  end: number,
): Buffer | null | undefined {
  if (rewrite.binary !== undefined) {
    try {
      return rewrite.binary(buf.subarray(start, end));
    } catch {
      return null;
    }
  }
  const codec = rewrite.codec;
  if (codec === null) {
    const text = buf.toString('utf8', start, end);
    const masked = rewrite.masker(text);
    return masked === text ? undefined : Buffer.from(masked, 'utf8');
  }
  try {
    const original = buf.subarray(start, end);
    const text = codec.decode(original);
    const masked = rewrite.masker(text);
    return masked === text ? undefined : codec.encode(masked, original);
  } catch {
    // Fail closed: a binary value that cannot be decoded or re-encoded is sent as NULL, never as it was.
    return null;
  }
}

/** Copies the row with the replaced cells (each change: length offset, value end, new value or null). */
function assemble(
  buf: Buffer,
  start: number,
  end: number,
  changes: readonly (number | Buffer | null)[],
): Buffer {
  let size = end - start;
  for (let k = 0; k < changes.length; k += 3) {
    const from = changes[k] as number;
    const to = changes[k + 1] as number;
    const value = changes[k + 2] as Buffer | null;
    size += 4 + (value === null ? 0 : value.length) - (to - from);
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = BackendCode.DataRow;
  out.writeInt32BE(size - 1, 1);
  let at = 5;
  let from = start + 5;
  for (let k = 0; k < changes.length; k += 3) {
    const cellStart = changes[k] as number;
    const cellEnd = changes[k + 1] as number;
    const value = changes[k + 2] as Buffer | null;
    at += buf.copy(out, at, from, cellStart);
    if (value === null) {
      out.writeInt32BE(-1, at);
      at += 4;
    } else {
      out.writeInt32BE(value.length, at);
      at += 4;
      at += value.copy(out, at);
    }
    from = cellEnd;
  }
  buf.copy(out, at, from, end);
  return out;
}
