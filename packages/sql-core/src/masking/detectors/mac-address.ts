import { REDACTED } from '../masks/format-masks';
import { eachMatch, trimValue, type Span, type TextFeatures, type ValueDetector } from './value-detector';

/**
 * MAC addresses (EUI-48 and EUI-64): six or eight hex pairs joined by `:` or
 * `-` (one kind), or Cisco's `aabb.ccdd.eeff`. The all-zero and broadcast
 * addresses identify nobody and are left alone. The mask keeps the OUI (the
 * vendor's first three octets).
 */

const COLON_OR_DASH =
  /(?<![\w:.-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2})?(?![\w:-])/g;
const WHOLE =
  /^(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?:(?:\1[0-9A-Fa-f]{2}){2})?|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})$/;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function hexRun(s: string, start: number, n: number): boolean {
  for (let i = start; i < start + n; i++) if (!isHex(s.charCodeAt(i))) return false;
  return true;
}

/** No word character or dot at `i` (or `i` is outside the text). */
function boundary(s: string, i: number): boolean {
  if (i < 0 || i >= s.length) return true;
  const c = s.charCodeAt(i);
  return !(c === 46 || c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122));
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
    const accept = (start: number, end: number): void => {
      if (!identifiesNobody(text.slice(start, end))) out.push({ start, end, detector: 'mac_address' });
    };
    if (text.indexOf(':') >= 0 || text.indexOf('-') >= 0)
      eachMatch(COLON_OR_DASH, text, (m) => accept(m.index, m.index + m[0].length));
    // Cisco's aabb.ccdd.eeff, found from its dots (a regex would try every position of every sentence).
    for (
      let dot = text.indexOf('.', 4);
      dot >= 0 && dot + 10 <= text.length;
      dot = text.indexOf('.', dot + 1)
    ) {
      const start = dot - 4;
      if (
        text.charCodeAt(dot + 5) !== 46 ||
        !hexRun(text, start, 4) ||
        !hexRun(text, dot + 1, 4) ||
        !hexRun(text, dot + 6, 4)
      )
        continue;
      if (!boundary(text, start - 1) || !boundary(text, dot + 10)) continue;
      accept(start, dot + 10);
      dot += 9;
    }
  },
  isValue(value: string): boolean {
    const v = trimValue(value);
    return WHOLE.test(v) && !identifiesNobody(v);
  },
  mask: (instance: string) => maskMac(instance),
};
