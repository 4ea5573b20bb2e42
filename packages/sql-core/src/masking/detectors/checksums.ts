/**
 * Check-digit algorithms of the identifiers the detectors validate. Each takes
 * only ASCII digits (callers strip separators) and returns whether the check
 * holds; none allocates.
 */

function digitAt(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

/** Luhn mod 10 (payment cards, Canadian SIN, IMEI). */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digitAt(digits, i);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 IBAN check: move the first four characters to the end, letters to 10..35, mod 97 == 1. */
export function ibanMod97(iban: string): boolean {
  const n = iban.length;
  let rest = 0;
  for (let k = 0; k < n; k++) {
    const c = iban.charCodeAt((k + 4) % n);
    if (c >= 48 && c <= 57) rest = (rest * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rest = (rest * 100 + (c - 55)) % 97;
    else return false;
  }
  return rest === 1;
}

/** ABA routing transit number: weights 3, 7, 1 repeated, sum mod 10 == 0. */
export function abaChecksum(d: string): boolean {
  if (d.length !== 9) return false;
  const sum =
    3 * (digitAt(d, 0) + digitAt(d, 3) + digitAt(d, 6)) +
    7 * (digitAt(d, 1) + digitAt(d, 4) + digitAt(d, 7)) +
    (digitAt(d, 2) + digitAt(d, 5) + digitAt(d, 8));
  return sum % 10 === 0;
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const;
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const;

/** Verhoeff dihedral check (Aadhaar). */
export function verhoeff(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digitAt(digits, digits.length - 1 - i);
    const p = (VERHOEFF_P[i % 8] as readonly number[])[d] as number;
    c = (VERHOEFF_D[c] as readonly number[])[p] as number;
  }
  return digits.length > 0 && c === 0;
}

/** UK NHS number: weights 10..2 over the first nine digits, check = 11 - sum mod 11 (11 -> 0, 10 invalid). */
export function nhsChecksum(d: string): boolean {
  if (d.length !== 10) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += digitAt(d, i) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === digitAt(d, 9);
}

/**
 * Canadian SIN: Luhn, first digit not 8 (business numbers, not people). A
 * leading 0 is never assigned, but it is what sample SINs use (046 454 286):
 * behind a SIN keyword those are masked too.
 */
export function sinChecksum(d: string): boolean {
  if (d.length !== 9) return false;
  return d.charCodeAt(0) !== 56 && luhn(d);
}

/** Brazilian CPF: two mod-11 check digits; all-same-digit numbers are invalid. */
export function cpfChecksum(d: string): boolean {
  if (d.length !== 11 || allSame(d)) return false;
  for (let check = 9; check <= 10; check++) {
    let sum = 0;
    for (let i = 0; i < check; i++) sum += digitAt(d, i) * (check + 1 - i);
    let v = (sum * 10) % 11;
    if (v === 10) v = 0;
    if (v !== digitAt(d, check)) return false;
  }
  return true;
}

const PESEL_WEIGHTS = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3] as const;

/** Polish PESEL: weights 1,3,7,9 and a valid birth date (month carries the century). */
export function peselChecksum(d: string): boolean {
  if (d.length !== 11) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += digitAt(d, i) * (PESEL_WEIGHTS[i] as number);
  if ((10 - (sum % 10)) % 10 !== digitAt(d, 10)) return false;
  const month = (digitAt(d, 2) * 10 + digitAt(d, 3)) % 20;
  const day = digitAt(d, 4) * 10 + digitAt(d, 5);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Aadhaar: 12 digits, not starting with 0 or 1, Verhoeff check digit. */
export function aadhaarChecksum(d: string): boolean {
  return d.length === 12 && d.charCodeAt(0) >= 50 && verhoeff(d);
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the letter is the number mod 23. */
export function dniChecksum(value: string): boolean {
  if (value.length !== 9) return false;
  const first = value.charCodeAt(0);
  let n = first === 88 ? 0 : first === 89 ? 1 : first === 90 ? 2 : first - 48;
  if (n < 0 || n > 9) return false;
  for (let i = 1; i < 8; i++) {
    const d = digitAt(value, i);
    if (d < 0 || d > 9) return false;
    n = n * 10 + d;
  }
  return DNI_LETTERS.charCodeAt(n % 23) === value.charCodeAt(8);
}

/** Every character the same: `0000000000000000`, `111-11-1111` once separators are gone. */
export function allSame(s: string): boolean {
  for (let i = 1; i < s.length; i++) if (s.charCodeAt(i) !== s.charCodeAt(0)) return false;
  return true;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const count of counts.values()) {
    const p = count / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/** The ASCII digits of a string, separators dropped. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}
