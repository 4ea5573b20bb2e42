/**
 * bytea values whose bytes are text. PostgreSQL writes bytea in text results
 * as `\x` and two hex digits per byte (`bytea_output = hex`, the default) or
 * in the escape format (`bytea_output = escape`: printable ASCII as itself,
 * a backslash doubled, any other byte as `\` and three octal digits). A
 * secret or a person's data stored as bytes (`convert_to(note, 'UTF8')`, a
 * key file kept in a bytea column) is text once decoded: these helpers
 * decode, say whether the bytes are UTF-8 text, and encode masked bytes back
 * in the format they came in, so the client still parses a valid bytea.
 */

/** How a bytea was written in text: hex (`\x...`) or escape. */
export type ByteaFormat = 'hex' | 'escape';

const BACKSLASH = 0x5c;
const X = 0x78;

/** Hex digit value of a character code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Where decoded bytes go: reused while values are small, so a column's cells cost no allocation. */
let scratch = new Uint8Array(4096);
const SCRATCH_LIMIT = 1024 * 1024;

function room(size: number): Uint8Array {
  if (size <= scratch.length) return scratch;
  const fresh = new Uint8Array(size);
  if (size <= SCRATCH_LIMIT) scratch = fresh;
  return fresh;
}

/**
 * The bytes of a bytea in text format (`src[start, end)`), decoded into a
 * scratch buffer that the next call reuses (copy what must be kept), and the
 * format it was written in; null when the text is not a bytea literal.
 * `textOnly`: stop at the first byte that cannot be part of UTF-8 text and
 * answer null (random binary is given up after a byte or two).
 */
export function decodeByteaText(
  src: Uint8Array,
  start: number,
  end: number,
  textOnly: boolean,
): { bytes: Uint8Array; length: number; format: ByteaFormat } | null {
  if (end - start >= 2 && src[start] === BACKSLASH && src[start + 1] === X) {
    if ((end - start) % 2 !== 0) return null;
    const out = room((end - start - 2) / 2);
    const check = textOnly ? new Utf8Text() : null;
    let n = 0;
    for (let i = start + 2; i < end; i += 2) {
      const hi = hexValue(src[i] as number);
      const lo = hexValue(src[i + 1] as number);
      if (hi < 0 || lo < 0) return null;
      const b = (hi << 4) | lo;
      if (check !== null && !check.next(b)) return null;
      out[n++] = b;
    }
    if (check !== null && !check.complete) return null;
    return { bytes: out, length: n, format: 'hex' };
  }
  const out = room(end - start);
  const check = textOnly ? new Utf8Text() : null;
  let n = 0;
  for (let i = start; i < end; i++) {
    let b = src[i] as number;
    if (b === BACKSLASH) {
      if (i + 1 < end && src[i + 1] === BACKSLASH) {
        i++;
      } else {
        if (i + 3 >= end) return null;
        const d1 = (src[i + 1] as number) - 48;
        const d2 = (src[i + 2] as number) - 48;
        const d3 = (src[i + 3] as number) - 48;
        if (d1 < 0 || d1 > 3 || d2 < 0 || d2 > 7 || d3 < 0 || d3 > 7) return null;
        b = (d1 << 6) | (d2 << 3) | d3;
        i += 3;
      }
    }
    if (check !== null && !check.next(b)) return null;
    out[n++] = b;
  }
  if (check !== null && !check.complete) return null;
  return { bytes: out, length: n, format: 'escape' };
}

/** The text of a bytea in `format`, as PostgreSQL writes it. */
export function encodeByteaText(bytes: Uint8Array, format: ByteaFormat): string {
  if (format === 'hex')
    return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`;
  let out = '';
  for (const b of bytes) {
    if (b === BACKSLASH) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Whether bytes are UTF-8 text: well formed, and no control characters but tab, newline, form feed and carriage return. */
export function isUtf8Text(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const check = new Utf8Text();
  for (let i = start; i < end; i++) if (!check.next(bytes[i] as number)) return false;
  return check.complete;
}

/**
 * A UTF-8 validator fed one byte at a time (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), refusing control characters: what a
 * person or a program writes as text, not what a hash or an image holds.
 */
class Utf8Text {
  /** Continuation bytes still expected. */
  #need = 0;
  /** Bounds of the next continuation byte (narrower after E0, ED, F0, F4). */
  #low = 0x80;
  #high = 0xbf;

  get complete(): boolean {
    return this.#need === 0;
  }

  next(b: number): boolean {
    if (this.#need > 0) {
      if (b < this.#low || b > this.#high) return false;
      this.#need--;
      this.#low = 0x80;
      this.#high = 0xbf;
      return true;
    }
    if (b < 0x80) return b >= 0x20 ? b !== 0x7f : b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d;
    if (b >= 0xc2 && b <= 0xdf) this.#need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      this.#need = 2;
      if (b === 0xe0) this.#low = 0xa0;
      else if (b === 0xed) this.#high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.#need = 3;
      if (b === 0xf0) this.#low = 0x90;
      else if (b === 0xf4) this.#high = 0x8f;
    } else return false;
    return true;
  }
}
