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
const LEADING_KEYS: readonly string[] = ['seq', 'prev', 'type', 'time'];

const MAX_DEPTH = 32;

function canonicalKeys(obj: object): string[] {
  const keys = Object.keys(obj).sort();
  if (!LEADING_KEYS.some((k) => k in obj)) return keys;
  return [...LEADING_KEYS.filter((k) => k in obj), ...keys.filter((k) => !LEADING_KEYS.includes(k))];
}

/**
 * Keys an object literal would not keep in insertion order (array-index-like
 * keys go first in numeric order) or would not keep at all (`__proto__`).
 */
const UNORDERED_KEY = /^(?:0|[1-9]\d*)$|^__proto__$/;

/** Set when a value holds a key the fast path cannot reproduce. */
class SlowPath extends Error {}

export function canonicalJson(value: unknown): string {
  return canonicalJsonAt(value, 0);
}

/**
 * The text of values that can never change (see VERIFIED) as members of a
 * record (depth 1), written once: the builders hand out the same frozen
 * parts (a statement's audit projection) again and again.
 */
const MEMBER_TEXT = new WeakMap<object, string>();

/**
 * canonicalJson of a value that sits directly in a record (depth 1, as the
 * depth limit counts), remembered for values that can never change. The
 * record writers in statement-record-bodies.ts splice it in.
 */
export function canonicalMemberJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return canonicalJsonAt(value, 1);
  const known = MEMBER_TEXT.get(value);
  if (known !== undefined) return known;
  const text = canonicalJsonAt(value, 1);
  // VERIFIED holds it only if it is frozen all the way down and was found canonical at this depth.
  if (VERIFIED.has(value)) MEMBER_TEXT.set(value, text);
  return text;
}

function canonicalJsonAt(value: unknown, depth: number): string {
  // Fastest path: the builders (and JSON.parse of a written line) produce
  // members already in canonical order, so the native serialiser writes the
  // value as it is.
  if (alreadyCanonical(value, depth)) return JSON.stringify(value);
  // Fast path: rebuild the value with members inserted in canonical order and
  // let the native serialiser write it.
  try {
    return JSON.stringify(rebuild(value, depth));
  } catch (err) {
    if (!(err instanceof SlowPath)) throw err;
    return write(value, depth);
  }
}

/**
 * True when JSON.stringify(value) is already the canonical form: plain data
 * only, finite numbers, every object's keys in canonical order and none that
 * an object would reorder. Anything else takes the paths below (which also
 * raise the errors).
 */
function alreadyCanonical(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  const height = VERIFIED.get(value);
  if (height !== undefined) return depth + height <= MAX_DEPTH;
  if (depth > MAX_DEPTH) return false;
  if (!membersCanonical(value, depth)) return false;
  if (Object.isFrozen(value)) {
    const below = verifiedHeight(value);
    if (below !== null) VERIFIED.set(value, below);
  }
  return true;
}

/**
 * Values (arrays and objects) found canonical that can never change: frozen,
 * with every object inside them in this map too, each with how deep it nests
 * (so the depth limit still holds wherever it is reused). Builders hand out
 * the same frozen parts again and again (a statement's audit projection is
 * built once per analysis), so each is walked once.
 */
const VERIFIED = new WeakMap<object, number>();

/** How deep a frozen value nests below itself, if every object in it is verified; else null. */
function verifiedHeight(value: object): number | null {
  let height = 0;
  for (const member of Object.values(value)) {
    if (typeof member !== 'object' || member === null) continue;
    const h = VERIFIED.get(member);
    if (h === undefined) return null;
    height = Math.max(height, h + 1);
  }
  return height;
}

function membersCanonical(value: object, depth: number): boolean {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!alreadyCanonical(item, depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let i = 0;
  for (const lead of LEADING_KEYS) {
    if (!(lead in obj)) continue;
    if (keys[i] !== lead) return false;
    if (!alreadyCanonical(obj[lead], depth + 1)) return false;
    i += 1;
  }
  let previous: string | null = null;
  for (; i < keys.length; i++) {
    const key = keys[i] as string;
    if ((previous !== null && !(previous < key)) || UNORDERED_KEY.test(key) || LEADING_KEYS.includes(key))
      return false;
    if (!alreadyCanonical(obj[key], depth + 1)) return false;
    previous = key;
  }
  return true;
}

function checkScalar(value: unknown): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
    case 'object':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`audit event holds a non-finite number (${value})`);
      return;
    default:
      throw new TypeError(`audit event holds a ${typeof value}, which has no JSON form`);
  }
}

function checkPlain(value: object, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('audit event nests too deeply');
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    throw new TypeError('audit event holds an object that is not plain data');
  }
}

function rebuild(value: unknown, depth: number): unknown {
  checkScalar(value);
  if (typeof value !== 'object' || value === null) return value;
  checkPlain(value, depth);
  if (Array.isArray(value)) return value.map((item: unknown) => rebuild(item, depth + 1));
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of canonicalKeys(obj)) {
    if (UNORDERED_KEY.test(key)) throw new SlowPath();
    const member = obj[key];
    if (member !== undefined) out[key] = rebuild(member, depth + 1);
  }
  return out;
}

/** The same form, written out by hand: for keys object literals would reorder. */
function write(value: unknown, depth: number): string {
  checkScalar(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  checkPlain(value, depth);
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => (item === undefined ? 'null' : write(item, depth + 1))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of canonicalKeys(obj)) {
    const member = obj[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${write(member, depth + 1)}`);
  }
  return `{${members.join(',')}}`;
}
