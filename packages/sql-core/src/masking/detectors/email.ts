import { parse } from 'tldts';
import { maskEmail } from '../masks/format-masks';
import { trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * Email addresses: an RFC-lite local part, a dotted domain whose suffix is on
 * the ICANN public suffix list (tldts). Rejected: `user@localhost`,
 * `.invalid`/`.test`/`.internal`, `git@github.com:org/repo` (scp syntax),
 * `icon@2x.png` and `icon@2x.app` (image density suffixes), URL user-info
 * (`https://user@host/`).
 */

function isLocalChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 45 ||
    c === 43 ||
    c === 37 ||
    c > 127
  );
}

function isDomainChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c > 127
  );
}

const LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;
const DENSITY = /^\d+(?:\.\d+)?x$/i;
const TLD_PARSE = {
  extractHostname: false,
  validateHostname: false,
  detectIp: false,
  mixedInputs: false,
} as const;

function validDomain(domain: string): boolean {
  if (domain.length < 4 || domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) if (!LABEL.test(label)) return false;
  // icon@2x.png, icon@3x.app: an image density suffix and a file extension, not a domain.
  if (labels.length === 2 && DENSITY.test(labels[0] as string)) return false;
  const tld = labels[labels.length - 1] as string;
  if (/^\d+$/.test(tld)) return false;
  return parse(domain.toLowerCase(), TLD_PARSE).isIcann === true;
}

/** How far back an authority is looked for: past it the `@` is read as an address (masked, the safe side). */
const MAX_AUTHORITY = 512;

/**
 * Whether `i` lies in the authority of a `scheme://` URL (no space or `/`
 * since the `://`). Read backwards to the nearest `/` or space only, and
 * never further than MAX_AUTHORITY: a search of the whole text for every
 * `@` would cost quadratic time on a long cell.
 */
function inUrlAuthority(text: string, i: number): boolean {
  for (let k = i - 1; k >= 0 && i - k <= MAX_AUTHORITY; k--) {
    const c = text.charCodeAt(k);
    if (c === 47) return k >= 2 && text.charCodeAt(k - 1) === 47 && text.charCodeAt(k - 2) === 58;
    if (c <= 32) return false;
  }
  return false;
}

/** Finds the address around the `@` at `at`, or null. */
function addressAt(text: string, at: number): { start: number; end: number } | null {
  // Bounded scans (64-character local part, 253-character domain): a long run of
  // address characters around many `@` must not cost quadratic time.
  let start = at;
  while (start > 0 && at - start <= 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
  let end = at + 1;
  while (end < text.length && end - at <= 254 && isDomainChar(text.charCodeAt(end))) end++;
  // A sentence's full stop or a dash after the address is not part of it.
  while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  while (start < at && text.charCodeAt(start) === 46) start++;
  if (start === at || end <= at + 1) return null;
  if (at - start > 64 || text.charCodeAt(at - 1) === 46) return null;
  // scp-style git remote: git@github.com:org/repo
  if (text.charCodeAt(end) === 58 && end + 1 < text.length && /[\w~/]/.test(text[end + 1] as string))
    return null;
  // user-info of a URL (https://user@host/...) is a user name, not an address.
  if (start >= 2 && text.charCodeAt(start - 1) === 47 && text.charCodeAt(start - 2) === 47) return null;
  if (start >= 1 && text.charCodeAt(start - 1) === 58 && inUrlAuthority(text, start)) return null;
  if (!validDomain(text.slice(at + 1, end))) return null;
  return { start, end };
}

export const emailDetector: ValueDetector = {
  id: 'email',
  prefilter(f: TextFeatures): boolean {
    return f.at > 0 && f.dot > 0 && f.length >= 6;
  },
  findSpans(text: string, out: Span[]): void {
    let at = text.indexOf('@');
    while (at > 0) {
      const found = addressAt(text, at);
      if (found) {
        out.push({ start: found.start, end: found.end, detector: 'email' });
        at = text.indexOf('@', found.end);
      } else {
        at = text.indexOf('@', at + 1);
      }
    }
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    const at = v.indexOf('@');
    if (at <= 0 || v.indexOf('@', at + 1) >= 0) return false;
    const found = addressAt(v, at);
    return found !== null && found.start === 0 && found.end === v.length;
  },
  mask: maskEmail,
};
