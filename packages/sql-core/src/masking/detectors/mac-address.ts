import { REDACTED } from '../masks/format-masks';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * MAC addresses (EUI-48 and EUI-64): six or eight hex pairs joined by `:` or
 * `-` (one kind), or Cisco's `aabb.ccdd.eeff`. The all-zero and broadcast
 * addresses identify nobody and are left alone. The mask keeps the OUI (the
 * vendor's first three octets).
 */

const COLON_OR_DASH = /(?<![\w:.-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2})?(?![\w:-])/g;
const CISCO = /(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])/g;
const WHOLE = /^(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2})?|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$/;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function identifiesNobody(s: string): boolean {
  const hex = s.replace(/[^0-9A-Fa-f]/g, '');
  return /^0+$/.test(hex) || /^[fF]+$/.test(hex);
}

/**
 * `00:1A:2B:3C:4D:5E` -> `00:1A:2B:**:**:**` (text) or `00:1A:2B:00:00:00`
 * (`fill = '0'`, for macaddr columns, which must stay parseable).
 */
export function maskMac(value: string, fill = '*'): string {
  let hexSeen = 0;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isHex(c)) {
      hexSeen++;
      out += hexSeen <= 6 ? value[i] : fill;
    } else {
      out += value[i];
    }
  }
  return hexSeen >= 12 ? out : REDACTED;
}

export const macAddressDetector: ValueDetector = {
  id: 'mac_address',
  prefilter(f: TextFeatures): boolean {
    return f.colon >= 5 || f.dash >= 5 || f.dot >= 2;
  },
  findSpans(text: string, out: Span[]): void {
    const accept = (m: RegExpExecArray): void => {
      if (!identifiesNobody(m[0])) out.push({ start: m.index, end: m.index + m[0].length, detector: 'mac_address' });
    };
    eachMatch(COLON_OR_DASH, text, accept);
    if (text.indexOf('.') >= 0) eachMatch(CISCO, text, accept);
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    return WHOLE.test(v) && !identifiesNobody(v);
  },
  mask: (instance: string) => maskMac(instance),
};
