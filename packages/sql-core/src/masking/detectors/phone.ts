import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import { keepLastDigits } from '../masks/format-masks';
import { trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * Phone numbers in free text. A bare digit run is never a phone here (order
 * numbers, epochs, bigint ids): a candidate needs a leading `+` or separators
 * between digit groups, must not look like a date, version or ZIP+4, and must
 * be valid for its country (libphonenumber-js; NANP numbers are checked by the
 * plan's rules directly, which is 30x cheaper than a full parse).
 */

const CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((c) => getCountryCallingCode(c)));
/** The same codes by digit count and value (`44` at 2044), for byte masks that read digits as numbers. */
const CALLING_CODE_TABLE = new Uint8Array(4000);
for (const code of CALLING_CODES) CALLING_CODE_TABLE[code.length * 1000 + Number(code)] = 1;

/** Whether the `digits`-digit number `value` (no leading zero: calling codes have none) is a calling code. */
export function isCallingCode(value: number, digits: number): boolean {
  return CALLING_CODE_TABLE[digits * 1000 + value] === 1;
}

/** Number of digits of the country calling code at the start of `digits` (which followed a `+`). */
export function callingCodeLength(digits: string): number {
  for (let n = 1; n <= 3; n++) if (CALLING_CODES.has(digits.slice(0, n))) return n;
  return 0;
}

/** `+1 (415) 555-2671` -> `+1 (***) ***-**71`: the country code and the last two digits stay. */
export function maskPhone(value: string): string {
  const v = trimValue(value);
  if (v.charCodeAt(0) === 43 /* + */) {
    let digits = '';
    for (let i = 1; i < v.length && digits.length < 3; i++) {
      const c = v.charCodeAt(i);
      if (c >= 48 && c <= 57) digits += v[i];
      else if (c !== 32 && c !== 45) break;
    }
    return keepLastDigits(value, 2, callingCodeLength(digits));
  }
  return keepLastDigits(value, 2);
}

// Digits in groups separated by one space, NBSP, dot or dash, optionally a +country prefix and an (area code).
const CANDIDATE =
  /(?<![\w+#.,/:=$€£-])(?:\+\d{1,3}[ \u00a0.-]?)?(?:\(\d{1,5}\)[ \u00a0.-]?)?\d{1,5}(?:[ \u00a0.-]\d{1,5}){0,6}(?![\w]|[.,/:-]\d|%)/g;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const ZIP4 = /^\d{5}-\d{4}$/;
const SEPARATOR = /[ \u00a0]/g;

const NANP: ReadonlySet<string> = new Set(['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP']);

/** North American numbering plan: NPA [2-9][0-8]X not N11, exchange [2-9]XX not N11. */
function validNanp(d: string): boolean {
  if (d.length === 11 && d.charCodeAt(0) === 49) d = d.slice(1);
  if (d.length !== 10) return false;
  const a0 = d.charCodeAt(0);
  const a1 = d.charCodeAt(1);
  const e0 = d.charCodeAt(3);
  if (a0 < 50 || a1 === 57 || e0 < 50) return false;
  if (d.charCodeAt(1) === 49 && d.charCodeAt(2) === 49) return false;
  if (d.charCodeAt(4) === 49 && d.charCodeAt(5) === 49) return false;
  return true;
}

function digitCount(s: string): string {
  let d = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) d += s[i];
  }
  return d;
}

export function createPhoneDetector(defaultCountry: CountryCode): ValueDetector {
  const nanpDefault = NANP.has(defaultCountry);

  /** Whether a candidate (trimmed, separators included) is a phone number. */
  function valid(candidate: string): boolean {
    const plus = candidate.charCodeAt(0) === 43;
    const digits = digitCount(candidate);
    if (digits.length < 7 || digits.length > 15) return false;
    if (!plus) {
      // One group of digits is an id, not a phone: require separators.
      if (digits.length === candidate.length) return false;
      if (DATE_LIKE.test(candidate) || ZIP4.test(candidate)) return false;
      if (nanpDefault) return validNanp(digits);
    } else if (digits.charCodeAt(0) === 49 /* +1 */) {
      return validNanp(digits);
    }
    const parsed = parsePhoneNumberFromString(
      candidate.replace(SEPARATOR, ' '),
      plus ? undefined : defaultCountry,
    );
    return parsed !== undefined && parsed.isValid();
  }

  return {
    id: 'phone',
    prefilter(f: TextFeatures): boolean {
      return f.digits >= 7;
    },
    findSpans(text: string, out: Span[]): void {
      CANDIDATE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = CANDIDATE.exec(text)) !== null) {
        const start = m.index;
        let candidate = m[0];
        // Two numbers separated by a space read as one candidate: shrink from the right.
        for (;;) {
          if (valid(candidate)) {
            out.push({ start, end: start + candidate.length, detector: 'phone' });
            CANDIDATE.lastIndex = start + candidate.length;
            break;
          }
          const cut = Math.max(candidate.lastIndexOf(' '), candidate.lastIndexOf('\u00a0'));
          if (cut <= 0) break;
          candidate = candidate.slice(0, cut);
        }
      }
    },
    isValue(value: string): boolean {
      const v = trimValue(value);
      CANDIDATE.lastIndex = 0;
      const m = CANDIDATE.exec(v);
      return m !== null && m.index === 0 && m[0].length === v.length && valid(v);
    },
    mask: maskPhone,
  };
}

export const phoneDetector: ValueDetector = createPhoneDetector('US');
