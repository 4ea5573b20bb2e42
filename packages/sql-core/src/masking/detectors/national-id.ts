import type { DetectorId } from '../detector-id';
import { keepAlnum, keepLastDigits } from '../masks/format-masks';
import {
  aadhaarChecksum,
  abaChecksum,
  cpfChecksum,
  digitsOf,
  dniChecksum,
  nhsChecksum,
  peselChecksum,
  sinChecksum,
} from './checksums';
import {
  eachMatch,
  keywordBefore,
  trimValue,
  type Span,
  type TextFeatures,
  type ValueDetector,
} from './value-detector';

/**
 * National identifiers and bank routing numbers with check digits. Most are
 * plain 9-12 digit numbers, as common as order numbers and phone fragments,
 * so in free text they are masked only after their keyword (`NHS`, `SIN`,
 * `routing`, ...), and never as whole values without a column name. The
 * formatted CPF (`ddd.ddd.ddd-dd`) and DNI/NIE (`12345678Z`) shapes are
 * distinctive enough on their own.
 */

interface IdSpec {
  readonly id: DetectorId;
  readonly minDigits: number;
  readonly pattern: RegExp;
  /** Keyword that must end just before a match (regex anchored with `$`); null: the shape is enough. */
  readonly keyword: RegExp | null;
  /** When set, a match whose text passes this test needs no keyword. */
  readonly distinctive?: RegExp;
  readonly validate: (match: string) => boolean;
  readonly mask: (value: string) => string;
}

function detectorOf(spec: IdSpec): ValueDetector {
  const needsKeyword = (m: string): boolean => spec.keyword !== null && !(spec.distinctive?.test(m) ?? false);
  return {
    id: spec.id,
    prefilter(f: TextFeatures): boolean {
      return f.digits >= spec.minDigits;
    },
    findSpans(text: string, out: Span[]): void {
      eachMatch(spec.pattern, text, (m) => {
        const s = m[0];
        if (!spec.validate(s)) return;
        if (needsKeyword(s) && !keywordBefore(text, m.index, spec.keyword as RegExp)) return;
        out.push({ start: m.index, end: m.index + s.length, detector: spec.id });
      });
    },
    isValue(value: string): boolean {
      const v = trimValue(value);
      if (needsKeyword(v)) return false;
      spec.pattern.lastIndex = 0;
      const m = spec.pattern.exec(v);
      return m !== null && m.index === 0 && m[0].length === v.length && spec.validate(v);
    },
    mask: spec.mask,
  };
}

const keepLast4 = (v: string): string => keepLastDigits(v, 4);
const keepLast3 = (v: string): string => keepLastDigits(v, 3);

/** ABA routing numbers are 9 digits whose first two are 00-12, 21-32, 61-72 or 80 (Federal Reserve districts). */
function validAba(s: string): boolean {
  const d = digitsOf(s);
  if (d.length !== 9) return false;
  const p = Number(d.slice(0, 2));
  return (p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80) && abaChecksum(d);
}

export const abaRoutingDetector = detectorOf({
  id: 'aba_routing',
  minDigits: 9,
  pattern: /(?<![\w.-])\d{9}(?![\w]|[.-]\d)/g,
  keyword: /(?:\brouting|\baba|\brtn|\btransit)(?:\s+(?:number|no\.?|num|#))?\W{0,6}$/i,
  validate: validAba,
  mask: keepLast4,
});

export const ukNhsNumberDetector = detectorOf({
  id: 'uk_nhs_number',
  minDigits: 10,
  pattern: /(?<![\w.-])\d{3}([ -]?)\d{3}\1\d{4}(?![\w]|[.-]\d)/g,
  keyword: /\bnhs(?:\s+(?:number|no\.?|num|#))?\W{0,6}$/i,
  validate: (s) => nhsChecksum(digitsOf(s)),
  mask: keepLast4,
});

export const caSinDetector = detectorOf({
  id: 'ca_sin',
  minDigits: 9,
  pattern: /(?<![\w.-])\d{3}([ -]?)\d{3}\1\d{3}(?![\w]|[.-]\d)/g,
  keyword: /(?:\bsin|social\s+insurance)(?:\s+(?:number|no\.?|num|#))?\W{0,6}$/i,
  validate: (s) => sinChecksum(digitsOf(s)),
  mask: keepLast3,
});

export const brCpfDetector = detectorOf({
  id: 'br_cpf',
  minDigits: 11,
  pattern: /(?<![\w.-])(?:\d{3}\.\d{3}\.\d{3}-\d{2}|\d{11})(?![\w]|[.-]\d)/g,
  keyword: /\bcpf(?:\s+(?:number|no\.?|n[ºo°]|#))?\W{0,6}$/i,
  distinctive: /^\d{3}\.\d{3}\.\d{3}-\d{2}$/,
  validate: (s) => cpfChecksum(digitsOf(s)),
  mask: (v) => keepLastDigits(v, 2),
});

export const plPeselDetector = detectorOf({
  id: 'pl_pesel',
  minDigits: 11,
  pattern: /(?<![\w.-])\d{11}(?![\w]|[.-]\d)/g,
  keyword: /\bpesel(?:\s+(?:number|nr\.?|no\.?|#))?\W{0,6}$/i,
  validate: peselChecksum,
  mask: keepLast4,
});

export const inAadhaarDetector = detectorOf({
  id: 'in_aadhaar',
  minDigits: 12,
  pattern: /(?<![\w.-])[2-9]\d{3}([ -]?)\d{4}\1\d{4}(?![\w]|[.-]\d)/g,
  keyword: /(?:\baadhaa?r|\buidai|\buid)(?:\s+(?:number|no\.?|num|#))?\W{0,6}$/i,
  validate: (s) => aadhaarChecksum(digitsOf(s)),
  mask: keepLast4,
});

export const esDniDetector = detectorOf({
  id: 'es_dni',
  minDigits: 7,
  pattern: /(?<![\w.-])(?:\d{8}|[XYZ]-?\d{7})-?[A-Z](?![\w]|[.-]\w)/g,
  keyword: null,
  validate: (s) => dniChecksum(s.replace(/-/g, '')),
  mask: (v) => keepAlnum(v, 0, 3),
});

/** In the order the scanner runs them (distinctive shapes first). */
export const NATIONAL_ID_DETECTORS: readonly ValueDetector[] = [
  brCpfDetector,
  esDniDetector,
  ukNhsNumberDetector,
  caSinDetector,
  plPeselDetector,
  inAadhaarDetector,
  abaRoutingDetector,
];
