import { createHmac } from 'node:crypto';

/**
 * Deterministic pseudonyms: keyed HMAC-SHA256 of the value, shaped like the
 * value, so that masked columns still join and group (equal inputs give equal
 * outputs under one key). This leaks equality by design; the key (from the
 * gateway's environment) keeps small domains (SSNs, phones, dates) from being
 * reversed by hashing every candidate. Each kind of value has its own HMAC
 * domain, so an email and a phone with the same text do not collide.
 */

export type PseudonymKey = string | Uint8Array;

/** At least `length` pseudo-random bytes for `value` under `key` and `domain`. */
export function pseudoBytes(key: PseudonymKey, domain: string, value: string, length = 32): Buffer {
  const first = createHmac('sha256', key).update(domain).update('\u0000').update(value).digest();
  if (length <= first.length) return first;
  const blocks = [first];
  for (let i = 1; blocks.length * 32 < length; i++) {
    blocks.push(createHmac('sha256', key).update(first).update(String(i)).digest());
  }
  return Buffer.concat(blocks);
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Every digit replaced by a pseudo digit and every ASCII letter by a pseudo
 * letter of the same case; punctuation, spaces and the first `keepFirst`
 * letters or digits stay (`+1 415-555-2671` -> `+1 803-219-4406`).
 */
export function pseudoAlnum(key: PseudonymKey, domain: string, value: string, keepFirst = 0): string {
  const bytes = pseudoBytes(key, domain, value, value.length);
  let out = '';
  let seen = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const lower = c >= 97 && c <= 122;
    const upper = c >= 65 && c <= 90;
    if (!digit && !lower && !upper) {
      out += value[i];
      continue;
    }
    seen++;
    if (seen <= keepFirst) {
      out += value[i];
      continue;
    }
    const b = bytes[i] as number;
    out += digit ? String.fromCharCode(48 + (b % 10)) : lower ? LOWER[b % 26] : UPPER[b % 26];
  }
  return out;
}

/** A pseudonymous address at the same domain: `jane.doe@example.com` -> `q7wd2k0fzm@example.com`. */
export function pseudoEmail(key: PseudonymKey, value: string): string {
  const at = value.lastIndexOf('@');
  const bytes = pseudoBytes(key, 'email', value.toLowerCase());
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let local = '';
  for (let i = 0; i < 10; i++) local += alphabet[(bytes[i] as number) % alphabet.length];
  return at > 0 ? `${local}${value.slice(at)}` : local;
}

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

/** A pronounceable pseudonym for a person's name, one word per input word (`Jane Doe` -> `Kavoru Lentisa`). */
export function pseudoName(key: PseudonymKey, value: string): string {
  const words = value
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const bytes = pseudoBytes(key, 'person_name', value.toLowerCase(), Math.max(32, words.length * 6));
  return words
    .map((_, w) => {
      let word = '';
      for (let i = 0; i < 3; i++) {
        word += CONSONANTS[(bytes[w * 6 + i * 2] as number) % CONSONANTS.length];
        word += VOWELS[(bytes[w * 6 + i * 2 + 1] as number) % VOWELS.length];
      }
      return word.charAt(0).toUpperCase() + word.slice(1);
    })
    .join(' ');
}

/** A UUID (version 8, "custom", RFC 9562) derived from the value. */
export function pseudoUuid(key: PseudonymKey, value: string): string {
  const b = Buffer.from(pseudoBytes(key, 'uuid', value.toLowerCase()).subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x80;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const INTEGER = /^\s*([+-]?)(\d+)\s*$/;

/**
 * An integer pseudonym with as many digits as the value and never a larger
 * magnitude, so it fits the column's integer type. Non-integers become `0`.
 */
export function pseudoInteger(key: PseudonymKey, domain: string, value: string): string {
  const m = INTEGER.exec(value);
  if (!m) return '0';
  const digits = (m[2] as string).replace(/^0+(?=\d)/, '');
  const n = BigInt(digits);
  const h = BigInt(`0x${pseudoBytes(key, domain, digits).toString('hex')}`);
  if (digits.length === 1) return `${m[1] === '-' ? '-' : ''}${(h % (n + 1n)).toString()}`;
  const low = 10n ** BigInt(digits.length - 1);
  return `${m[1] === '-' ? '-' : ''}${(low + (h % (n - low + 1n))).toString()}`;
}
