import { keepLastDigits } from '../masks/format-masks';
import {
  eachMatch,
  keywordBefore,
  trimValue,
  type Span,
  type TextFeatures,
  type ValueDetector,
} from './value-detector';

/**
 * US Social Security numbers, and ITINs (same shape, area 9xx).
 *
 * `ddd-dd-dddd` is masked wherever its area/group/serial are possible
 * (area not 000, 666; group not 00; serial not 0000). The spaced, dotted and
 * bare 9-digit forms are too common (ZIP+4, phone fragments, ids) and are
 * masked only after an SSN keyword (`SSN`, `social security`, `SS#`).
 * Well-known fakes (078-05-1120, 219-09-9999, 123-45-6789) and placeholders
 * such as 111-11-1111 are masked too: masking a fake costs nothing, while
 * guessing that a number is fake and leaving a real one visible does.
 */

const DASHED = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?!\w|-\d)/g;
const OTHER = /(?<![\w.-])(\d{3})([ .\u00a0]?)(\d{2})\2(\d{4})(?!\w|[.-]\d)/g;
const KEYWORD =
  /(?:\bssn|social[\s-]security(?:\s+(?:number|no\.?|#))?|\bss\s?#|\bss\s?(?:no\.?|num(?:ber)?)|\bitin)s?\W{0,6}$/i;

/** ITIN: area 9xx with group 50-65, 70-88, 90-92 or 94-99. */
function validItinGroup(group: number): boolean {
  return (
    (group >= 50 && group <= 65) ||
    (group >= 70 && group <= 88) ||
    (group >= 90 && group <= 92) ||
    group >= 94
  );
}

export function validSsnParts(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  const g = Number(group);
  if (g === 0 || Number(serial) === 0 || a === 0 || a === 666) return false;
  return a < 900 || validItinGroup(g);
}

/** `123-45-6789` -> `***-**-6789`. */
export function maskSsn(value: string): string {
  return keepLastDigits(value, 4);
}

export const usSsnDetector: ValueDetector = {
  id: 'us_ssn',
  prefilter(f: TextFeatures): boolean {
    return f.digits >= 9;
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(DASHED, text, (m) => {
      if (validSsnParts(m[1] as string, m[2] as string, m[3] as string)) {
        out.push({ start: m.index, end: m.index + m[0].length, detector: 'us_ssn' });
      }
    });
    eachMatch(OTHER, text, (m) => {
      if (
        validSsnParts(m[1] as string, m[3] as string, m[4] as string) &&
        keywordBefore(text, m.index, KEYWORD)
      ) {
        out.push({ start: m.index, end: m.index + m[0].length, detector: 'us_ssn' });
      }
    });
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    if (v.length !== 11) return false;
    DASHED.lastIndex = 0;
    const m = DASHED.exec(v);
    return m !== null && m.index === 0 && validSsnParts(m[1] as string, m[2] as string, m[3] as string);
  },
  mask: maskSsn,
};
