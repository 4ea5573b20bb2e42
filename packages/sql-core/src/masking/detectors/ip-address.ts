import { REDACTED } from '../masks/format-masks';
import {
  eachMatch,
  keywordBefore,
  trimValue,
  type Span,
  type TextFeatures,
  type ValueDetector,
} from './value-detector';

/**
 * IPv4 and IPv6 addresses, checked by a real parser (octets <= 255 without
 * leading zeros; hextets, one `::`, an embedded IPv4 tail, a zone, a prefix).
 * In free text a dotted quad after `v`, `version`, `release` or `build` is a
 * version, and longer dotted runs (OIDs `1.3.6.1.2.1`) are not addresses; the
 * unspecified, loopback and broadcast addresses are not personal and stay.
 * Masks keep the network: IPv4 /24 (`203.0.113.0`), IPv6 /48, and stay valid
 * `inet`/`cidr` values.
 */

/** Octets of a strict dotted quad (no leading zeros, each <= 255), or null. */
export function parseIPv4(s: string): number[] | null {
  const octets: number[] = [];
  let value = 0;
  let digits = 0;
  let first = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || (digits > 1 && first === 48) || value > 255 || octets.length === 4) return null;
      octets.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || digits === 3) return null;
    if (digits === 0) first = c;
    value = value * 10 + (c - 48);
    digits++;
  }
  return octets.length === 4 ? octets : null;
}

const HEX = /^[0-9A-Fa-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address (no zone, no prefix), or null. */
export function parseIPv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const double = s.indexOf('::');
  if (double >= 0 && s.indexOf('::', double + 1) >= 0) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const groups: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        groups.push(
          ((v4[0] as number) << 8) | (v4[1] as number),
          ((v4[2] as number) << 8) | (v4[3] as number),
        );
      } else if (HEX.test(p)) {
        groups.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  if (double < 0) {
    const all = parseSide(s);
    return all !== null && all.length === 8 ? all : null;
  }
  const head = parseSide(s.slice(0, double));
  const tail = parseSide(s.slice(double + 2));
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text of eight groups: lowercase, the longest run of two or more zero groups as `::`. */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

interface IpParts {
  readonly address: string;
  /** `%zone` and `/prefix`, kept as written. */
  readonly suffix: string;
}

function splitSuffix(value: string): IpParts {
  let cut = value.length;
  const pct = value.indexOf('%');
  const slash = value.indexOf('/');
  if (pct >= 0) cut = pct;
  if (slash >= 0 && slash < cut) cut = slash;
  return { address: value.slice(0, cut), suffix: value.slice(cut) };
}

const SUFFIX = /^(?:%[\w.-]+)?(?:\/\d{1,3})?$/;

/** `203.0.113.7` -> `203.0.113.0`, `2001:db8:85a3:8d3:1319:8a2e:370:7348/64` -> `2001:db8:85a3::/64`. Anything else is redacted. */
export function maskIp(value: string): string {
  const v = trimValue(value);
  const { address, suffix } = splitSuffix(v);
  if (!SUFFIX.test(suffix)) return REDACTED;
  const v4 = parseIPv4(address);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0${suffix}`;
  const v6 = parseIPv6(address);
  if (!v6) return REDACTED;
  // IPv4-mapped (::ffff:a.b.c.d): keep the IPv4 /24, as for IPv4.
  if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff) {
    const g6 = v6[6] as number;
    return `::ffff:${g6 >> 8}.${g6 & 0xff}.${(v6[7] as number) >> 8}.0${suffix}`;
  }
  return `${formatIPv6([v6[0] as number, v6[1] as number, v6[2] as number, 0, 0, 0, 0, 0])}${suffix}`;
}

/** Whether the whole value (address with optional zone and prefix) parses. */
function validIp(value: string): boolean {
  const { address, suffix } = splitSuffix(value);
  if (!SUFFIX.test(suffix)) return false;
  return parseIPv4(address) !== null || parseIPv6(address) !== null;
}

const V4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?(?![\w]|\.\d)/g;
const V6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.-]+)?(?:\/\d{1,3})?(?![\w:]|\.\d)/g;
const VERSION = /(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\brev|\bfirmware|\bOID)\s*:?\s*$/i;

function notPersonalV4(s: string): boolean {
  return s.startsWith('0.0.0.0') || s.startsWith('127.') || s.startsWith('255.255.255.255');
}

export const ipAddressDetector: ValueDetector = {
  id: 'ip_address',
  prefilter(f: TextFeatures): boolean {
    return (f.dot >= 3 && f.digits >= 4) || f.colon >= 2;
  },
  findSpans(text: string, out: Span[]): void {
    // IPv6 first: an IPv4-mapped address (::ffff:203.0.113.7) is one address, not two.
    const v6Ends: number[] = [];
    if (text.indexOf(':') >= 0) {
      eachMatch(V6, text, (m) => {
        const s = m[0];
        const { address } = splitSuffix(s);
        if (!/\d/.test(address) || address === '::' || address === '::1') return;
        if (parseIPv6(address) === null) return;
        out.push({ start: m.index, end: m.index + s.length, detector: 'ip_address' });
        v6Ends.push(m.index + s.length);
      });
    }
    eachMatch(V4, text, (m) => {
      const s = m[0];
      if (v6Ends.includes(m.index + s.length)) return;
      const { address } = splitSuffix(s);
      if (parseIPv4(address) === null || notPersonalV4(s) || keywordBefore(text, m.index, VERSION, 16))
        return;
      out.push({ start: m.index, end: m.index + s.length, detector: 'ip_address' });
    });
  },
  isValue(value: string): boolean {
    return validIp(trimValue(value));
  },
  mask: maskIp,
};
