import { keepAlnum } from '../masks/format-masks';
import { ibanMod97 } from './checksums';
import { trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * IBANs: country code, two check digits, the BBAN; the length the country's
 * registry entry gives (ISO 13616) and mod 97 == 1. Written compact or in
 * groups of four separated by single spaces.
 */

const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

const START = /[A-Z]{2}\d{2}/g;

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}

/** End of the IBAN starting at `start` (exclusive), or -1. */
function ibanEnd(text: string, start: number): number {
  const length = LENGTHS[text.slice(start, start + 2)];
  if (length === undefined) return -1;
  let compact = '';
  let i = start;
  while (i < text.length && compact.length < length) {
    const c = text.charCodeAt(i);
    if (isUpperAlnum(c)) {
      compact += text[i];
      i++;
    } else if (
      (c === 32 || c === 0xa0) &&
      compact.length > 0 &&
      i + 1 < text.length &&
      isUpperAlnum(text.charCodeAt(i + 1))
    ) {
      i++;
    } else {
      break;
    }
  }
  if (compact.length !== length) return -1;
  if (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) return -1;
  return ibanMod97(compact) ? i : -1;
}

/** `DE89 3704 0044 0532 0130 00` -> `DE** **** **** **** **30 00`. */
export function maskIban(value: string): string {
  return keepAlnum(value, 2, 4);
}

export const ibanDetector: ValueDetector = {
  id: 'iban',
  prefilter(f: TextFeatures): boolean {
    return f.length >= 15 && f.upper >= 2 && f.digits >= 4;
  },
  findSpans(text: string, out: Span[]): void {
    START.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = START.exec(text)) !== null) {
      const before = m.index > 0 ? text.charCodeAt(m.index - 1) : 32;
      if (
        (before >= 48 && before <= 57) ||
        (before >= 65 && before <= 90) ||
        (before >= 97 && before <= 122)
      ) {
        START.lastIndex = m.index + 1;
        continue;
      }
      const end = ibanEnd(text, m.index);
      if (end > 0) {
        out.push({ start: m.index, end, detector: 'iban' });
        START.lastIndex = end;
      }
    }
  },
  isValue(value: string): boolean {
    const v = trimValue(value).toUpperCase();
    return ibanEnd(v, 0) === v.length;
  },
  mask: maskIban,
};
