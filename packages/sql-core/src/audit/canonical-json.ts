/**
 * The one serialisation of audit records. A record line is written once and
 * hashed as bytes; the verifier re-serialises every parsed line and requires
 * the same text, so a line touched by hand (re-indented, keys moved, a value
 * escaped differently) is caught even when it is the last one in the chain.
 *
 * Rules: no whitespace; object keys in a fixed order (the envelope keys below
 * first, then the rest in UTF-16 code unit order) at every depth; `undefined`
 * members are left out as JSON.stringify does; only plain data is accepted
 * (no NaN/Infinity, bigint, Date, Map, class instances).
 */

/** Keys that lead every record, in this order; all other keys follow, sorted. */
const LEADING_KEYS = ['seq', 'prev', 'type', 'time'] as const;
const LEADING_RANK: ReadonlyMap<string, number> = new Map(LEADING_KEYS.map((k, i) => [k, i]));

function compareKeys(a: string, b: string): number {
  const ra = LEADING_RANK.get(a);
  const rb = LEADING_RANK.get(b);
  if (ra !== undefined || rb !== undefined) {
    if (ra === undefined) return 1;
    if (rb === undefined) return -1;
    return ra - rb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 32;

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError('audit event nests too deeply');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`audit event holds a non-finite number (${value})`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`audit event holds a ${typeof value}, which has no JSON form`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : write(v, depth + 1))).join(',')}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError('audit event holds an object that is not plain data');
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  keys.sort(compareKeys);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], depth + 1)}`).join(',')}}`;
}
