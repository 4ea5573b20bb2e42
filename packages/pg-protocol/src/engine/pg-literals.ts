/**
 * PostgreSQL's text forms of composite values (`(1,"a b",)`) and arrays
 * (`{a,"b c",NULL}`, `[0:1]={x,y}`), as record_out / array_out write them
 * and record_in / array_in read them.
 */

const MAX_DEPTH = 6;

/** Fields of a record literal; null is SQL NULL (nothing between the commas). */
export function parseRecord(text: string): (string | null)[] {
  if (text[0] !== '(' || text[text.length - 1] !== ')') throw new Error('not a record literal');
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  if (end === 1) return [null];
  for (;;) {
    let value = '';
    let quoted = false;
    while (i < end && text[i] !== ',') {
      const c = text[i] as string;
      if (c === '"') {
        quoted = true;
        i++;
        while (i < end) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (text[i] === '\\') i++;
          value += text[i] ?? '';
          i++;
        }
      } else if (c === '\\') {
        value += text[i + 1] ?? '';
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    out.push(value === '' && !quoted ? null : value);
    if (i >= end) return out;
    i++; // the comma
  }
}

export function formatRecord(values: readonly (string | null)[]): string {
  return `(${values.map((v) => (v === null ? '' : quoteIfNeeded(v, /[(),"\\\s]/, true))).join(',')})`;
}

function quoteIfNeeded(v: string, special: RegExp, quoteEmpty: boolean): string {
  if (!(quoteEmpty && v === '') && !special.test(v)) return v;
  return `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

export interface ArrayLiteral {
  /** Length of each dimension (outermost first); empty for `{}`. */
  readonly dims: number[];
  /** Lower bound of each dimension (1 unless `[l:u]=` says otherwise). */
  readonly lbounds: number[];
  /** Elements in row-major order; null is SQL NULL. */
  readonly values: (string | null)[];
}

export function parseArray(text: string, delimiter = ','): ArrayLiteral {
  let i = 0;
  let lbounds: number[] = [];
  const bounds = /^((?:\[-?\d+:-?\d+\])+)=/.exec(text);
  if (bounds !== null) {
    lbounds = [...(bounds[1] ?? '').matchAll(/\[(-?\d+):/g)].map((m) => Number(m[1]));
    i = bounds[0].length;
  }
  const dims: number[] = [];
  const values: (string | null)[] = [];
  const level = (depth: number): number => {
    if (depth > MAX_DEPTH || text[i] !== '{') throw new Error('malformed array literal');
    i++;
    let count = 0;
    while (/\s/.test(text[i] ?? '')) i++;
    if (text[i] === '}') {
      i++;
      return 0;
    }
    for (;;) {
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] === '{') {
        const n = level(depth + 1);
        if (dims[depth + 1] === undefined) dims[depth + 1] = n;
        else if (dims[depth + 1] !== n) throw new Error('ragged array literal');
      } else values.push(element());
      count++;
      while (/\s/.test(text[i] ?? '')) i++;
      const sep = text[i];
      i++;
      if (sep === '}') return count;
      if (sep !== delimiter) throw new Error('malformed array literal');
    }
  };
  const element = (): string | null => {
    if (text[i] === '"') {
      i++;
      let v = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        v += text[i] ?? '';
        i++;
      }
      i++;
      return v;
    }
    let v = '';
    while (i < text.length && text[i] !== delimiter && text[i] !== '}') {
      if (text[i] === '\\') i++;
      v += text[i] ?? '';
      i++;
    }
    v = v.trim();
    return v.toUpperCase() === 'NULL' ? null : v;
  };
  const outer = level(0);
  if (outer > 0) dims[0] = outer;
  if (i !== text.length) throw new Error('malformed array literal');
  const shape = dims.filter((d) => d !== undefined);
  return { dims: shape, lbounds: shape.map((_, d) => lbounds[d] ?? 1), values };
}

export function formatArray(a: ArrayLiteral, delimiter = ','): string {
  if (a.dims.length === 0) return '{}';
  let k = 0;
  const level = (d: number): string => {
    const parts: string[] = [];
    for (let n = 0; n < (a.dims[d] ?? 0); n++) {
      if (d + 1 < a.dims.length) parts.push(level(d + 1));
      else {
        const v = a.values[k++];
        parts.push(v === null || v === undefined ? 'NULL' : quoteArrayElement(v, delimiter));
      }
    }
    return `{${parts.join(delimiter)}}`;
  };
  const prefix = a.lbounds.some((l) => l !== 1)
    ? `${a.dims.map((d, i) => `[${a.lbounds[i]}:${(a.lbounds[i] ?? 1) + d - 1}]`).join('')}=`
    : '';
  return prefix + level(0);
}

function quoteArrayElement(v: string, delimiter: string): string {
  if (v === '' || v.toUpperCase() === 'NULL' || /[{}"\\\s]/.test(v) || v.includes(delimiter)) {
    return `"${v.replace(/(["\\])/g, '\\$1')}"`;
  }
  return v;
}
