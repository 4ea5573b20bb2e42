import type { ColumnRewrite } from './column-maskers';

/**
 * One value of a row or COPY line on its way through a mask: read from the
 * received bytes, masked, and written back (its Int32 length first), with
 * the small copies done byte by byte (Buffer#copy costs more than the copy
 * itself for a few dozen bytes).
 */

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
export function maxLength(value: NewValue): number {
  return value === null ? 0 : typeof value === 'string' ? value.length * 3 : value.length;
}

/** Copies from[start, end) to `to` at `at`; returns the bytes copied. */
export function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): number {
  const n = end - start;
  // Past a few dozen bytes a native copy (plus the view it needs) is cheaper than the loop.
  if (n > 48) {
    to.set(from.subarray(start, end), at);
    return n;
  }
  for (let i = 0; i < n; i++) to[at + i] = from[start + i] as number;
  return n;
}

export function writeInt32(out: Uint8Array, value: number, at: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function readInt32(buf: Uint8Array, at: number): number {
  return (
    ((buf[at] as number) << 24) |
    ((buf[at + 1] as number) << 16) |
    ((buf[at + 2] as number) << 8) |
    (buf[at + 3] as number)
  );
}

/** Writes a value at `at` (its length first); returns the bytes written. ASCII text is copied code by code. */
export function writeValue(out: Buffer, value: NewValue, at: number): number {
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

export function sameBytes(
  a: Uint8Array,
  aStart: number,
  b: Uint8Array,
  bStart: number,
  length: number,
): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

type Slicing = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

/**
 * A value's text: ASCII (most values) through the cheaper latin1 decoder, which gives the same
 * string for bytes below 0x80, anything else as UTF-8. Skips Buffer#toString's encoding lookup.
 */
export function utf8(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++)
    if ((buf[i] as number) > 0x7f) return (buf as Slicing).utf8Slice(start, end);
  return (buf as Slicing).latin1Slice(start, end);
}
