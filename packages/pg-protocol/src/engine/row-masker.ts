import { BYTE_MASK_GROWTH as GROWTH, type AuditMaskedColumn, type ByteMask } from '@gatehouse/sql-core';
import { BackendCode, ProtocolError } from '../codec';
import {
  copyBytes,
  maxLength,
  readInt32,
  rewriteValue,
  sameBytes,
  writeInt32,
  writeValue,
  type NewValue,
} from './cell-values';
import type { ColumnRewrite } from './column-maskers';
import { RowArena } from './row-arena';

export { rewriteValue, type NewValue } from './cell-values';

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const DATA_ROW = BackendCode.DataRow;

/** Read once (a getter on the package's exports): the most a byte mask writes beyond the value it masks. */
const BYTE_MASK_GROWTH = GROWTH;

/** Bytes before the first column of a DataRow: type, Int32 length, Int16 column count. */
const DATA_ROW_HEADER = 7;

/**
 * Rewrites DataRow messages of one result: only cells of masked columns are
 * read, and a cell a scan cannot change is not even decoded. A row is written
 * into the arena only from its first changed cell on, in one pass: byte masks
 * write masked values where they go in the new row, so nothing is copied
 * twice; a row where no mask changed anything is not copied at all (the
 * caller forwards the original bytes). Every length is checked against the
 * message.
 */
export class RowMasker {
  readonly rewrites: readonly (ColumnRewrite | undefined)[];
  /** Per column, read once: its byte mask (text format) and its byte check. */
  readonly #bytes: (ByteMask | undefined)[];
  readonly #mayChange: (((src: Uint8Array, start: number, end: number) => boolean) | undefined)[];
  /** Values rewritten per column, for the audit. */
  readonly #counts: Float64Array;
  readonly #arena = new RowArena();
  /** Where a byte mask tries a value when the row would not fit the current slab. */
  #scratch: Buffer | null = null;

  constructor(rewrites: readonly (ColumnRewrite | undefined)[]) {
    this.rewrites = rewrites;
    this.#bytes = rewrites.map((r) => (r !== undefined && r.codec === null ? r.masker.bytes : undefined));
    this.#mayChange = rewrites.map((r) => r?.mayChange);
    this.#counts = new Float64Array(rewrites.length);
  }

  /** The columns whose values were rewritten since the last call, and how many. */
  audit(): AuditMaskedColumn[] {
    const out: AuditMaskedColumn[] = [];
    this.rewrites.forEach((r, i) => {
      const values = this.#counts[i] ?? 0;
      if (r !== undefined && values > 0)
        out.push({ column: r.column, table: r.table, detectors: [r.kind], values });
      this.#counts[i] = 0;
    });
    return out;
  }

  /** The rewritten DataRow, or null when the row passes unchanged. */
  mask(buf: Buffer, start: number, end: number): Buffer | null {
    if (start + DATA_ROW_HEADER > end) throw new ProtocolError('DataRow too short');
    const count = ((buf[start + 5] as number) << 8) | (buf[start + 6] as number);
    const rewrites = this.rewrites;
    const byteMasks = this.#bytes;
    const checks = this.#mayChange;
    const counts = this.#counts;
    if (count !== rewrites.length) {
      throw new ProtocolError(`DataRow has ${count} columns; its RowDescription had ${rewrites.length}`);
    }
    const arena = this.#arena;
    // Room for the whole row when every change is a byte mask's.
    const room = end - start + BYTE_MASK_GROWTH * count;
    /** The slab the new row is written in, from its first change on; null while nothing changed. */
    let out: Buffer | null = null;
    let base = 0;
    let at = 0;
    /** Received bytes from here up to the current cell are not in the new row yet. */
    let from = start + 5;
    let pos = start + DATA_ROW_HEADER;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > end) throw new ProtocolError('DataRow column length past the end of the message');
      const lengthAt = pos;
      const len = readInt32(buf, pos);
      pos += 4;
      if (len < 0) {
        if (len !== -1) throw new ProtocolError(`DataRow column ${i} has invalid length ${len}`);
        continue;
      }
      const valueEnd = pos + len;
      if (valueEnd > end) throw new ProtocolError('DataRow value past the end of the message');
      const rewrite = rewrites[i];
      const mayChange = checks[i];
      // A value no scan can change is not decoded at all.
      if (rewrite === undefined || (mayChange !== undefined && !mayChange(buf, pos, valueEnd))) {
        pos = valueEnd;
        continue;
      }
      const bytes = byteMasks[i];
      if (bytes !== undefined) {
        // The mask writes the value where the new row will hold it; before the row's first change,
        // where it would be once the bytes before it are copied (or into scratch, if the row needs a new slab).
        let target: Buffer;
        let targetAt: number;
        if (out !== null) {
          if (at + (lengthAt - from) + 4 + len + BYTE_MASK_GROWTH > out.length) {
            out = arena.move(base, at, room + (lengthAt - from));
            at -= base;
            base = 0;
          }
          at += copyBytes(buf, from, lengthAt, out, at);
          from = lengthAt;
          target = out;
          targetAt = at + 4;
        } else if (arena.fits(room)) {
          target = arena.current;
          targetAt = arena.at + (lengthAt - start) + 4;
        } else {
          target = this.#scratchFor(len + BYTE_MASK_GROWTH);
          targetAt = 0;
        }
        const written = bytes(buf, pos, valueEnd, target, targetAt);
        if (written >= 0) {
          const changed = written !== len || !sameBytes(buf, pos, target, targetAt, len);
          if (out === null && changed) {
            out = arena.reserve(room);
            base = arena.at;
            at = base + 5;
            at += copyBytes(buf, from, lengthAt, out, at);
            if (target !== out || targetAt !== at + 4)
              copyBytes(target, targetAt, targetAt + written, out, at + 4);
          }
          if (out !== null) {
            // Written in place (an unchanged value too, once the row is being rewritten).
            writeInt32(out, written, at);
            at += 4 + written;
            from = valueEnd;
          }
          if (changed) counts[i] = (counts[i] as number) + 1;
          pos = valueEnd;
          continue;
        }
      }
      const value = rewriteValue(rewrite, buf, pos, valueEnd);
      if (value !== undefined) {
        const need = lengthAt - from + 4 + maxLength(value);
        if (out === null) {
          out = arena.reserve(room + maxLength(value));
          base = arena.at;
          at = base + 5;
        } else if (at + need + (end - valueEnd) > out.length) {
          out = arena.move(base, at, need + room);
          at -= base;
          base = 0;
        }
        at += copyBytes(buf, from, lengthAt, out, at);
        at += writeValue(out, value as NewValue, at);
        from = valueEnd;
        counts[i] = (counts[i] as number) + 1;
      }
      pos = valueEnd;
    }
    if (pos !== end) throw new ProtocolError('DataRow has bytes after its last column');
    if (out === null) return null;
    if (at + (end - from) > out.length) {
      out = arena.move(base, at, end - from);
      at -= base;
      base = 0;
    }
    at += copyBytes(buf, from, end, out, at);
    out[base] = DATA_ROW;
    writeInt32(out, at - base - 1, base + 1);
    return arena.commit(base, at);
  }

  #scratchFor(size: number): Buffer {
    const scratch = this.#scratch;
    if (scratch !== null && scratch.length >= size) return scratch;
    const fresh = Buffer.allocUnsafeSlow(Math.max(size, 16 * 1024));
    if (size <= 64 * 1024) this.#scratch = fresh;
    return fresh;
  }
}
