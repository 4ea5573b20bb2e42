import type { AuditMaskedColumn } from '@gatehouse/sql-core';
import { BackendCode, ProtocolError } from '../codec';

const DATA_ROW = BackendCode.DataRow;
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
    let pos = start + DATA_ROW_HEADER;
    if (pos > end) throw new ProtocolError('DataRow too short');
    const count = ((buf[start + 5] as number) << 8) | (buf[start + 6] as number);
    const rewrites = this.rewrites;
    if (count !== rewrites.length) {
      throw new ProtocolError(`DataRow has ${count} columns; its RowDescription had ${rewrites.length}`);
    }
    // Changes in reused parallel arrays: no allocation per row but the row itself.
    const cells = this.#cells;
    let n = 0;
    let scratchAt = 0;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > end) throw new ProtocolError('DataRow column length past the end of the message');
      const len = readInt32(buf, pos);
      pos += 4;
      if (len < 0) {
        if (len !== -1) throw new ProtocolError(`DataRow column ${i} has invalid length ${len}`);
        continue;
      }
      const valueEnd = pos + len;
      if (valueEnd > end) throw new ProtocolError('DataRow value past the end of the message');
      const rewrite = rewrites[i];
      // A value no scan can change is not decoded at all.
      if (
        rewrite !== undefined &&
        (rewrite.mayChange === undefined || rewrite.mayChange(buf, pos, valueEnd))
      ) {
        // The mask on the bytes when it has a byte form (the common masks on ASCII), else on the text.
        const bytes = rewrite.codec === null ? rewrite.masker.bytes : undefined;
        let out: NewValue | typeof IN_SCRATCH | undefined;
        if (bytes !== undefined && scratchAt + len + 8 <= SCRATCH_SIZE) {
          const written = bytes(buf, pos, valueEnd, this.#scratch, scratchAt);
          if (written < 0) out = rewriteValue(rewrite, buf, pos, valueEnd);
          else if (written !== len || !sameBytes(buf, pos, this.#scratch, scratchAt, len)) {
            out = IN_SCRATCH;
            cells.scratchStarts[n] = scratchAt;
            cells.scratchEnds[n] = scratchAt + written;
            scratchAt += written;
          }
        } else {
          out = rewriteValue(rewrite, buf, pos, valueEnd);
        }
        if (out !== undefined) {
          cells.starts[n] = pos - 4;
          cells.ends[n] = valueEnd;
          cells.values[n] = out;
          n++;
          this.#counts[i] = (this.#counts[i] as number) + 1;
        }
      }
      pos = valueEnd;
    }
    if (pos !== end) throw new ProtocolError('DataRow has bytes after its last column');
    return n === 0 ? null : assemble(buf, start, end, cells, n, this.#arena, this.#scratch);
  }

  /** Rewritten rows are written one after another into shared slabs, so the output batches them into one write. */
  readonly #arena = new RowArena();

  readonly #cells: Cells = { starts: [], ends: [], values: [], scratchStarts: [], scratchEnds: [] };
  /** Where byte masks write a row's masked values before the row is assembled. */
  readonly #scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
}

/** A cell whose new value a byte mask wrote into the scratch buffer. */
const IN_SCRATCH = Symbol('in scratch');
const SCRATCH_SIZE = 16 * 1024;

/** Rewritten cells of a row: where each starts (its length field) and ends, and its new value (or where it is in the scratch). */
interface Cells {
  readonly starts: number[];
  readonly ends: number[];
  readonly values: (NewValue | typeof IN_SCRATCH)[];
  readonly scratchStarts: number[];
  readonly scratchEnds: number[];
}

/** A rewritten value: text (written as UTF-8), bytes, or null for SQL NULL. */
export type NewValue = string | Buffer | null;

/** The new value, or undefined when the mask left it as it was. */
export function rewriteValue(
  rewrite: ColumnRewrite,
  buf: Buffer,
  start: number,
  end: number,
): NewValue | undefined {
  if (rewrite.binary !== undefined) {
    try {
      return rewrite.binary(buf.subarray(start, end));
    } catch {
      return null;
    }
  }
  const codec = rewrite.codec;
  if (codec === null) {
    const text = utf8(buf, start, end);
    const masked = rewrite.masker(text);
    return masked === text ? undefined : masked;
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

/** At most this many bytes on the wire, after its Int32 length (UTF-8 takes up to 3 bytes per UTF-16 unit). */
function maxLength(value: NewValue): number {
  return value === null ? 0 : typeof value === 'string' ? value.length * 3 : value.length;
}

/** Short copies byte by byte: Buffer#copy costs more than the copy itself for a few dozen bytes. */
function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): number {
  const n = end - start;
  if (n > 64) return from.copy(to, at, start, end);
  for (let i = 0; i < n; i++) to[at + i] = from[start + i] as number;
  return n;
}

function writeInt32(out: Buffer, value: number, at: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** Writes a value at `at` (its length first); returns the bytes written. ASCII text is copied code by code. */
function writeValue(out: Buffer, value: NewValue, at: number): number {
  if (value === null) {
    writeInt32(out, -1, at);
    return 4;
  }
  let length: number;
  if (typeof value !== 'string') {
    length = copyBytes(value, 0, value.length, out, at + 4);
  } else {
    length = value.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) {
        length = out.write(value, at + 4, 'utf8');
        break;
      }
      out[at + 4 + i] = c;
    }
  }
  writeInt32(out, length, at);
  return 4 + length;
}

/** Copies the row with its `n` rewritten cells into the arena. */
function assemble(
  buf: Buffer,
  start: number,
  end: number,
  cells: Cells,
  n: number,
  arena: RowArena,
  scratch: Buffer,
): Buffer {
  let max = end - start;
  for (let k = 0; k < n; k++) {
    const value = cells.values[k] as NewValue | typeof IN_SCRATCH;
    max +=
      4 +
      (value === IN_SCRATCH
        ? (cells.scratchEnds[k] as number) - (cells.scratchStarts[k] as number)
        : maxLength(value));
  }
  const out = arena.reserve(max);
  const base = arena.at;
  out[base] = DATA_ROW;
  let at = base + 5;
  let from = start + 5;
  for (let k = 0; k < n; k++) {
    at += copyBytes(buf, from, cells.starts[k] as number, out, at);
    const value = cells.values[k] as NewValue | typeof IN_SCRATCH;
    if (value === IN_SCRATCH) {
      const length = copyBytes(
        scratch,
        cells.scratchStarts[k] as number,
        cells.scratchEnds[k] as number,
        out,
        at + 4,
      );
      writeInt32(out, length, at);
      at += 4 + length;
    } else {
      at += writeValue(out, value, at);
    }
    from = cells.ends[k] as number;
  }
  at += copyBytes(buf, from, end, out, at);
  writeInt32(out, at - base - 1, base + 1);
  return arena.commit(at - base);
}

const ARENA_SIZE = 64 * 1024;

/**
 * Slabs rewritten rows are carved from, in order: consecutive rows are
 * consecutive bytes of one ArrayBuffer, which OutputBatch writes as one
 * slice. A slab is never written twice (a new one replaces it when full),
 * so a slice handed to the socket stays as it was until it is sent.
 */
class RowArena {
  #slab = Buffer.allocUnsafeSlow(ARENA_SIZE);
  /** Where the reserved space starts. */
  at = 0;

  /** Room for up to `size` bytes at `at` of the returned buffer. */
  reserve(size: number): Buffer {
    if (size > ARENA_SIZE / 4) {
      this.#slab = Buffer.allocUnsafeSlow(size);
      this.at = 0;
    } else if (this.at + size > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(ARENA_SIZE);
      this.at = 0;
    }
    return this.#slab;
  }

  /** The bytes written since reserve(); the next reservation starts after them. */
  commit(used: number): Buffer {
    const out = this.#slab.subarray(this.at, this.at + used);
    this.at += used;
    return out;
  }
}

function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

function readInt32(buf: Buffer, at: number): number {
  return (
    ((buf[at] as number) << 24) |
    ((buf[at + 1] as number) << 16) |
    ((buf[at + 2] as number) << 8) |
    (buf[at + 3] as number)
  );
}

type Slicing = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

/**
 * A value's text: ASCII (most values) through the cheaper latin1 decoder, which gives the same
 * string for bytes below 0x80, anything else as UTF-8. Skips Buffer#toString's encoding lookup.
 */
function utf8(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++)
    if ((buf[i] as number) > 0x7f) return (buf as Slicing).utf8Slice(start, end);
  return (buf as Slicing).latin1Slice(start, end);
}
