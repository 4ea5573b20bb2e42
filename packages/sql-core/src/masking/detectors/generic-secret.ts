import { classifyColumn } from '../column-classifier';
import { SECRET_REDACTED } from '../masks/format-masks';
import { shannonEntropy } from './checksums';
import {
  eachMatch,
  isPlaceholder,
  trimValue,
  type Span,
  type TextFeatures,
  type ValueDetector,
} from './value-detector';

/**
 * Secrets without a known prefix. A random-looking value is only a secret
 * where something says so: a secret-named column, JSON key or `name=value`
 * assignment (the gitleaks generic rule, rebuilt). The key is classified like
 * a column name (`token_type=Bearer` and `api_key_id=12` are not secrets).
 * The value must look random: not a word, a UUID, a placeholder, and its
 * Shannon entropy above the detect-secrets thresholds (hex >= 3.0,
 * base64/base62 >= 4.5 bits per character, scaled down for short values whose
 * entropy cannot reach it: at most log2(length) - 0.7).
 */

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const WORDS = /^[A-Za-z_.\- ]+$/;
const HEX = /^[0-9a-fA-F]+$/;

/** Whether a value looks like a random secret (see the module comment). `strict` is for ambiguous names such as `key`. */
export function looksRandom(value: string, strict = false): boolean {
  const n = value.length;
  if (n < (strict ? 16 : 8) || n > 4096) return false;
  if (WORDS.test(value) || UUID.test(value) || isPlaceholder(value)) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 48 && c <= 57) digit++;
    else if (c <= 32) return false;
  }
  if (digit === n) return false;
  const h = shannonEntropy(value);
  const reachable = Math.log2(n) - 0.7;
  if (HEX.test(value)) return h >= Math.min(3.0, reachable);
  const classes = (lower > 0 ? 1 : 0) + (upper > 0 ? 1 : 0) + (digit > 0 ? 1 : 0);
  if (classes < 2) return false;
  return h >= Math.min(strict ? 4.5 : 3.5, reachable);
}

const SECRET_WORD = /(?:secret|token|key|auth|credential|passw|pwd|signature|session|cookie|otp|pin\b)/i;
const ASSIGNMENT =
  /(?<![\w-])(["']?)([A-Za-z][A-Za-z0-9_.-]{1,60})\1[ \t]*(?:=>?|:)[ \t]*(?:"([^"\\\r\n]{1,4096})"|'([^'\\\r\n]{1,4096})'|([^\s;&,"'}\]]{1,4096}))/g;

const SECRET_DETECTORS = new Set([
  'secret',
  'password',
  'api_key',
  'jwt',
  'private_key',
  'card_security_code',
]);

/** Whether `key = value` assigns a secret, judged by the key's name and, unless it names a password, the value's randomness. */
function secretAssignment(key: string, value: string): boolean {
  if (!SECRET_WORD.test(key)) return false;
  const c = classifyColumn({ table: null, column: key, type: 'text' });
  if (c === null || !SECRET_DETECTORS.has(c.detector)) return false;
  if (c.detector === 'password' || c.detector === 'card_security_code')
    return !isPlaceholder(value) && value.length > 0;
  return looksRandom(value, c.confidence === 'low');
}

export const genericSecretDetector: ValueDetector = {
  id: 'generic_secret',
  prefilter(f: TextFeatures, text: string | null): boolean {
    return (f.equals > 0 || f.colon > 0) && (text === null || SECRET_WORD.test(text));
  },
  findSpans(text: string, out: Span[]): void {
    eachMatch(ASSIGNMENT, text, (m) => {
      const key = m[2] as string;
      const value = m[3] ?? m[4] ?? m[5];
      if (value === undefined || !secretAssignment(key, value)) return;
      const closing = m[5] === undefined ? 1 : 0;
      const end = m.index + m[0].length - closing;
      out.push({ start: end - value.length, end, detector: 'generic_secret' });
    });
  },
  isValue(value: string): boolean {
    return looksRandom(trimValue(value), true);
  },
  mask: () => SECRET_REDACTED,
};
