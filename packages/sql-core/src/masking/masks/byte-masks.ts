import { callingCodeLength } from '../detectors/phone';

/**
 * Byte-level versions of the commonest masks, for engines that rewrite
 * large results: they read ASCII bytes and write the masked bytes straight
 * into the output, with no string made on the way. Each gives exactly what
 * its string mask gives (checked by a test), or -1 when the value is not
 * plain ASCII or not of the simple shape they handle: the caller then uses
 * the string mask.
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
    let total = 0;
    for (let i = start; i < end; i++) {
      const c = src[i] as number;
      if (c > 0x7f) return -1;
      if (isDigit(c)) total++;
    }
    return writeDigitsMasked(src, start, end, out, at, total, keepFirst, keepLast);
  };
}

function writeDigitsMasked(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  total: number,
  keepFirst: number,
  keepLast: number,
): number {
  // Never show more than half of them (as maskSelected does).
  if (keepFirst + keepLast > total / 2) {
    keepFirst = 0;
    keepLast = total >= 6 ? Math.min(keepLast, 2) : 0;
  }
  const hideTo = total - keepLast;
  let seen = 0;
  for (let i = start; i < end; i++) {
    const c = src[i] as number;
    if (isDigit(c)) {
      seen++;
      out[at + i - start] = seen <= keepFirst || seen > hideTo ? c : STAR;
    } else {
      out[at + i - start] = c;
    }
  }
  return end - start;
}

/** `maskPhone` on bytes: a leading `+` keeps its country calling code, and the last two digits stay. */
export const maskPhoneBytes: ByteMask = (src, start, end, out, at) => {
  let total = 0;
  for (let i = start; i < end; i++) {
    const c = src[i] as number;
    if (c > 0x7f) return -1;
    if (isDigit(c)) total++;
  }
  let p = start;
  while (p < end && isSpace(src[p] as number)) p++;
  let keepFirst = 0;
  if (src[p] === PLUS) {
    let digits = '';
    for (let i = p + 1; i < end && digits.length < 3; i++) {
      const c = src[i] as number;
      if (isDigit(c)) digits += String.fromCharCode(c);
      else if (c !== 32 && c !== 45) break;
    }
    keepFirst = callingCodeLength(digits);
  }
  return writeDigitsMasked(src, start, end, out, at, total, keepFirst, 2);
};

const REDACTED = [STAR, STAR, STAR, STAR];

/** `maskEmail` (one address) on bytes: `j***@example.com`; values with several `@` go to the string mask. */
export const maskEmailBytes: ByteMask = (src, start, end, out, at) => {
  let atSign = -1;
  for (let i = start; i < end; i++) {
    const c = src[i] as number;
    if (c > 0x7f) return -1;
    if (c === AT) {
      if (atSign >= 0) return -1;
      atSign = i;
    }
  }
  if (atSign <= start || atSign === end - 1) {
    for (let k = 0; k < 4; k++) out[at + k] = REDACTED[k] as number;
    return 4;
  }
  out[at] = src[start] as number;
  out[at + 1] = STAR;
  out[at + 2] = STAR;
  out[at + 3] = STAR;
  let o = at + 4;
  for (let i = atSign; i < end; i++) out[o++] = src[i] as number;
  return o - at;
};
