import { keepLastDigits } from '../masks/format-masks';
import { allSame, luhn } from './checksums';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * Payment card numbers (PANs): 12-19 digits, bare or grouped by one kind of
 * separator (space, dash, NBSP, narrow NBSP), a known IIN range with a length
 * that brand issues, and the Luhn check. Traps avoided: IMEIs (15 digits,
 * Luhn-valid, but no brand issues 15 digits outside 34/37), `1234567812345670`
 * and 13-digit epochs (prefix 1 is no card brand), `0000000000000000`.
 */

const CANDIDATE = /(?<![\w.,-])\d(?:[ \u00a0\u202f-]?\d){11,18}(?![\w]|[.,-]\d)/g;

interface Brand {
  readonly from: number;
  readonly to: number;
  /** Number of leading digits `from`/`to` describe. */
  readonly digits: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly lengths?: readonly number[];
}

const BRANDS: readonly Brand[] = [
  { from: 4, to: 4, digits: 1, minLength: 13, maxLength: 19, lengths: [13, 16, 19] }, // Visa
  { from: 51, to: 55, digits: 2, minLength: 16, maxLength: 16 }, // Mastercard
  { from: 2221, to: 2720, digits: 4, minLength: 16, maxLength: 16 }, // Mastercard 2-series
  { from: 2200, to: 2204, digits: 4, minLength: 16, maxLength: 19 }, // Mir
  { from: 34, to: 34, digits: 2, minLength: 15, maxLength: 15 }, // Amex
  { from: 37, to: 37, digits: 2, minLength: 15, maxLength: 15 }, // Amex
  { from: 6011, to: 6011, digits: 4, minLength: 16, maxLength: 19 }, // Discover
  { from: 644, to: 649, digits: 3, minLength: 16, maxLength: 19 }, // Discover
  { from: 65, to: 65, digits: 2, minLength: 16, maxLength: 19 }, // Discover
  { from: 3528, to: 3589, digits: 4, minLength: 16, maxLength: 19 }, // JCB
  { from: 300, to: 305, digits: 3, minLength: 14, maxLength: 19 }, // Diners Club
  { from: 3095, to: 3095, digits: 4, minLength: 14, maxLength: 19 }, // Diners Club
  { from: 36, to: 36, digits: 2, minLength: 14, maxLength: 19 }, // Diners Club
  { from: 38, to: 39, digits: 2, minLength: 16, maxLength: 19 }, // Diners Club
  { from: 62, to: 62, digits: 2, minLength: 16, maxLength: 19 }, // UnionPay (and Discover 622126-622925)
  { from: 50, to: 50, digits: 2, minLength: 12, maxLength: 19 }, // Maestro
  { from: 56, to: 58, digits: 2, minLength: 12, maxLength: 19 }, // Maestro
  { from: 6304, to: 6304, digits: 4, minLength: 12, maxLength: 19 }, // Maestro
  { from: 67, to: 67, digits: 2, minLength: 12, maxLength: 19 }, // Maestro
  { from: 60, to: 60, digits: 2, minLength: 16, maxLength: 19 }, // RuPay (60, 65, 81, 82, 508)
  { from: 81, to: 82, digits: 2, minLength: 16, maxLength: 16 }, // RuPay
];

function knownBrand(d: string): boolean {
  for (const b of BRANDS) {
    const prefix = Number(d.slice(0, b.digits));
    if (prefix < b.from || prefix > b.to) continue;
    if (d.length < b.minLength || d.length > b.maxLength) continue;
    if (b.lengths !== undefined && !b.lengths.includes(d.length)) continue;
    return true;
  }
  return false;
}

/** Whether a PAN written with separators has one kind of separator and card-like groups (4-4-4-4, 4-6-5, ...). */
function plausibleGrouping(candidate: string): boolean {
  let sep = -1;
  const groups: number[] = [];
  let run = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      run++;
      continue;
    }
    if (sep === -1) sep = c;
    else if (c !== sep) return false;
    groups.push(run);
    run = 0;
  }
  if (sep === -1) return true;
  groups.push(run);
  // 4-6-4 / 4-6-5 (Amex, Diners)
  if (groups.length === 3 && groups[0] === 4 && groups[1] === 6) return true;
  for (let i = 0; i < groups.length - 1; i++) if (groups[i] !== 4) return false;
  const last = groups[groups.length - 1] as number;
  return last >= 1 && last <= 4;
}

function lastSeparator(s: string): number {
  for (let i = s.length - 1; i > 0; i--) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return i;
  }
  return -1;
}

/** Whether a candidate is a card number: grouping, length, brand, Luhn. */
export function validCard(candidate: string): boolean {
  if (!plausibleGrouping(candidate)) return false;
  let d = '';
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) d += candidate[i];
  }
  return d.length >= 12 && d.length <= 19 && !allSame(d) && knownBrand(d) && luhn(d);
}

/** `4111 1111 1111 1111` -> `**** **** **** 1111`: separators stay, the last four digits stay (PCI DSS allows first 6 + last 4). */
export function maskCard(value: string): string {
  return keepLastDigits(value, 4);
}

export const paymentCardDetector: ValueDetector = {
  id: 'payment_card',
  prefilter(f: TextFeatures): boolean {
    return f.digits >= 12;
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(CANDIDATE, text, (m) => {
      let candidate = m[0];
      // A following group (`4111 1111 1111 1111 12/25`) read as part of the number: drop groups from the right.
      for (;;) {
        if (validCard(candidate)) {
          out.push({ start: m.index, end: m.index + candidate.length, detector: 'payment_card' });
          return;
        }
        const cut = lastSeparator(candidate);
        if (cut < 14) return;
        candidate = candidate.slice(0, cut);
      }
    });
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    CANDIDATE.lastIndex = 0;
    const m = CANDIDATE.exec(v);
    return m !== null && m.index === 0 && m[0].length === v.length && validCard(v);
  },
  mask: maskCard,
};
