import { isCallingCode } from '../detectors/phone';

/** A byte mask writes at most this many bytes more than the value it masks (`a@b` -> `a***@b`). */
export const BYTE_MASK_GROWTH = 8;

/**
 * Byte-level versions of the commonest masks, for engines that rewrite
 * large results: they read ASCII bytes and write the masked bytes straight
 * into the output, with no string made on the way. Each gives exactly what
 * its string mask gives (checked by a test), or -1 when the value is not
 * plain ASCII or not of the simple shape they handle: the caller then uses
 * the string mask. At most BYTE_MASK_GROWTH bytes more than the value.
 */
export type ByteMask = (src: Uint8Array, start: number, end: number, out: Uint8Array, at: number) => number;

const STAR = 0x2a;
const AT = 0x40;
const PLUS = 0x2b;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** trimValue's spaces that can appear in ASCII: space, tab, newline, carriage return, vertical tab, form feed. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** `keepLastDigits(value, keepLast, keepFirst)` on bytes. */
export function keepLastDigitsBytes(keepLast: number, keepFirst = 0): ByteMask {
  return (src, start, end, out, at) => {
    const total = starDigits(src, start, end, out, at);
    if (total < 0) return -1;
    restoreDigits(src, start, end, out, at, total, keepFirst, keepLast);
    return end - start;
  };
}

/**
 * One pass: the value copied to `out` with every digit written as `*`;
 * returns how many digits there are, or -1 for a byte past ASCII.
 */
function starDigits(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let total = 0;
  const shift = at - start;
  for (let i = start; i < end; i++) {
    const c = src[i] as number;
    if (c > 0x7f) return -1;
    if (c >= 48 && c <= 57) {
      total++;
      out[i + shift] = STAR;
    } else out[i + shift] = c;
  }
  return total;
}

/** Puts back the digits that stay: the first `keepFirst` and the last `keepLast` of `total`. */
function restoreDigits(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  total: number,
  keepFirst: number,
  keepLast: number,
): void {
  // Never show more than half of them (as maskSelected does).
  if (keepFirst + keepLast > total / 2) {
    keepFirst = 0;
    keepLast = total >= 6 ? Math.min(keepLast, 2) : 0;
  }
  const shift = at - start;
  for (let i = start; keepFirst > 0 && i < end; i++) {
    const c = src[i] as number;
    if (isDigit(c)) {
      out[i + shift] = c;
      keepFirst--;
    }
  }
  for (let i = end - 1; keepLast > 0 && i >= start; i--) {
    const c = src[i] as number;
    if (isDigit(c)) {
      out[i + shift] = c;
      keepLast--;
    }
  }
}

/** `maskPhone` on bytes: a leading `+` keeps its country calling code, and the last two digits stay. */
export const maskPhoneBytes: ByteMask = (src, start, end, out, at) => {
  const total = starDigits(src, start, end, out, at);
  if (total < 0) return -1;
  let p = start;
  while (p < end && isSpace(src[p] as number)) p++;
  let keepFirst = 0;
  if (src[p] === PLUS) {
    // The first one, two and three digits after `+` as numbers (-1: not that many), as callingCodeLength reads them.
    let n = 0;
    let value = 0;
    let one = -1;
    let two = -1;
    let three = -1;
    for (let i = p + 1; i < end && n < 3; i++) {
      const c = src[i] as number;
      if (isDigit(c)) {
        value = value * 10 + c - 48;
        n++;
        if (n === 1) one = value;
        else if (n === 2) two = value;
        else three = value;
      } else if (c !== 32 && c !== 45) break;
    }
    // A leading 0 is no calling code; read as a number it matches none of the right length either.
    if (one > 0 && isCallingCode(one, 1)) keepFirst = 1;
    else if (two >= 0 && one > 0 && isCallingCode(two, 2)) keepFirst = 2;
    else if (three >= 0 && one > 0 && isCallingCode(three, 3)) keepFirst = 3;
  }
  restoreDigits(src, start, end, out, at, total, keepFirst, 2);
  return end - start;
};

/** `maskEmail` (one address) on bytes: `j***@example.com`; values with several `@` go to the string mask. */
export const maskEmailBytes: ByteMask = (src, start, end, out, at) => {
  // One pass: the local part is only checked; from the `@` on, bytes are copied as they are checked.
  let i = start;
  for (; i < end; i++) {
    const c = src[i] as number;
    if (c > 0x7f) return -1;
    if (c === AT) break;
  }
  const atSign = i;
  let o = at + 4;
  for (; i < end; i++) {
    const c = src[i] as number;
    if (c > 0x7f || (c === AT && i !== atSign)) return -1;
    out[o++] = c;
  }
  if (atSign === start || atSign >= end - 1) {
    for (let k = 0; k < 4; k++) out[at + k] = STAR;
    return 4;
  }
  out[at] = src[start] as number;
  out[at + 1] = STAR;
  out[at + 2] = STAR;
  out[at + 3] = STAR;
  return o - at;
};
