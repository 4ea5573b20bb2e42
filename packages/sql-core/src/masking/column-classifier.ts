import { bareTableName, columnTokens, headTokens, nameTokens } from './column-name';
import type { ColumnShape, TypeCategory } from './column-type';
import type { DetectorId } from './detector-id';
import {
  MAYBE_PERSON_ENTITIES,
  NAME_RULES,
  PERSON_ENTITIES,
  PERSON_NAME_QUALIFIERS,
  type Confidence,
  type NameRule,
} from './name-rules';

/** A result column as the classifier sees it. */
export interface ColumnInput extends ColumnShape {
  /** The table the column comes from (schema-qualified or not), or null for computed columns. */
  readonly table: string | null;
  readonly column: string;
}

/** Why a column is sensitive. */
export interface ColumnClassification {
  readonly detector: DetectorId;
  readonly confidence: Confidence;
  /** One sentence for `explain`; names identifiers only, never values. */
  readonly reason: string;
}

/** Types that never carry a secret or personal value (a date of birth on date/timestamp aside). */
const NEVER: ReadonlySet<TypeCategory> = new Set<TypeCategory>(['boolean', 'time', 'interval']);
/** Last tokens of join keys: an integer or uuid id is never masked by name (it would break joins). */
const JOIN_KEY_TOKENS: ReadonlySet<string> = new Set(['id', 'pk', 'fk', 'uuid', 'guid', 'oid', 'ref', 'key']);
/** Leading words that make a column a flag or a count about the thing: `is_email`, `num_phones`. */
const PREFIX_NEGATIVES: ReadonlySet<string> = new Set(['is', 'has', 'num', 'count', 'total', 'n', 'no']);

interface CompiledHead {
  readonly rule: NameRule;
  readonly phrase: readonly string[];
  readonly notAfter: ReadonlySet<string> | null;
}

/** Rule phrases indexed by their last token, in rule order. */
const BY_LAST_TOKEN = new Map<string, CompiledHead[]>();
for (const rule of NAME_RULES) {
  const notAfter = rule.notAfter ? new Set(rule.notAfter) : null;
  for (const head of rule.heads) {
    const phrase = head.split(' ');
    const last = phrase[phrase.length - 1] as string;
    let list = BY_LAST_TOKEN.get(last);
    if (list === undefined) BY_LAST_TOKEN.set(last, (list = []));
    list.push({ rule, phrase, notAfter });
  }
}
const RULE_ORDER = new Map<NameRule, number>(NAME_RULES.map((r, i) => [r, i]));
for (const list of BY_LAST_TOKEN.values()) {
  // Rule order first; within a rule the longest phrase (the most specific reason).
  list.sort(
    (a, b) =>
      (RULE_ORDER.get(a.rule) as number) - (RULE_ORDER.get(b.rule) as number) ||
      b.phrase.length - a.phrase.length,
  );
}

function endsWith(tokens: readonly string[], phrase: readonly string[]): boolean {
  const offset = tokens.length - phrase.length;
  if (offset < 0) return false;
  for (let i = 0; i < phrase.length; i++) if (tokens[offset + i] !== phrase[i]) return false;
  return true;
}

function personName(
  head: readonly string[],
  entity: string | undefined,
  column: string,
): ColumnClassification | null {
  if (head[head.length - 1] !== 'name') return null;
  const qualifier = head.length >= 2 ? (head[head.length - 2] as string) : undefined;
  const reason = (why: string): string => `column "${column}" is ${why}`;
  if (qualifier === undefined || qualifier === 'display') {
    if (entity !== undefined && PERSON_ENTITIES.has(entity)) {
      return {
        detector: 'person_name',
        confidence: 'high',
        reason: reason(`the name of a person (table of ${entity} rows)`),
      };
    }
    if (entity !== undefined && MAYBE_PERSON_ENTITIES.has(entity)) {
      return {
        detector: 'person_name',
        confidence: 'medium',
        reason: reason(`the name of a ${entity}, which may be a person`),
      };
    }
    return null;
  }
  if (PERSON_NAME_QUALIFIERS.has(qualifier) || PERSON_ENTITIES.has(qualifier)) {
    return {
      detector: 'person_name',
      confidence: 'high',
      reason: reason(`a person's name ("${qualifier} name")`),
    };
  }
  if (MAYBE_PERSON_ENTITIES.has(qualifier)) {
    return {
      detector: 'person_name',
      confidence: 'medium',
      reason: reason(`the name of a ${qualifier}, which may be a person`),
    };
  }
  return null;
}

function classifyUncached(input: ColumnInput): ColumnClassification | null {
  const type = input.type;
  if (NEVER.has(type)) return null;
  const tableTokens = input.table ? nameTokens(bareTableName(input.table)) : [];
  // Rules read the whole name (`cache_key` stays a cache key in a `cache` table);
  // the person-name check reads it without the table's prefix (`users.user_name`).
  const tokens = nameTokens(input.column);
  if (tokens.length === 0) return null;
  if (PREFIX_NEGATIVES.has(tokens[0] as string) && tokens.length > 1) return null;
  const lastToken = tokens[tokens.length - 1] as string;
  if ((type === 'integer' || type === 'numeric' || type === 'uuid') && JOIN_KEY_TOKENS.has(lastToken)) {
    // `api_key uuid` is a credential, not a join key.
    if (!(type === 'uuid' && lastToken === 'key')) return null;
  }
  const head = headTokens(tokens);
  const candidates = BY_LAST_TOKEN.get(head[head.length - 1] as string);
  if (candidates !== undefined) {
    for (const c of candidates) {
      if (!endsWith(head, c.phrase)) continue;
      const before = head[head.length - c.phrase.length - 1];
      if (before !== undefined && c.notAfter?.has(before)) continue;
      // The name says what it is; a type that cannot hold it (email_count integer) means it is something about it.
      if (!c.rule.types.includes(type)) return null;
      return {
        detector: c.rule.detector,
        confidence: c.rule.confidence,
        reason: `column "${input.column}" ends in "${c.phrase.join('_')}"`,
      };
    }
  }
  if (type === 'text' || type === 'array' || type === 'json' || type === 'other') {
    const person = personName(
      headTokens(columnTokens(tableTokens, input.column)),
      tableTokens[tableTokens.length - 1],
      input.column,
    );
    if (person) return person;
  }
  if (type === 'json')
    return {
      detector: 'free_text',
      confidence: 'medium',
      reason: `column "${input.column}" is JSON: keys and values are scanned`,
    };
  return null;
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, ColumnClassification | null>();

/**
 * Classifies a column by its name tokens, gated by its type. Returns null for
 * a column that is not sensitive by name (its values may still be scanned).
 * Cached: JSON keys repeat on every row.
 */
export function classifyColumn(input: ColumnInput): ColumnClassification | null {
  const key = `${input.table ?? ''}\u0000${input.column}\u0000${input.type}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = classifyUncached(input);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return result;
}

/** Column names whose values are known not to be of some kinds, whatever they look like. */
const SCAN_EXCLUSIONS: readonly (readonly [ReadonlySet<string>, readonly DetectorId[]])[] = [
  [
    new Set(['version', 'ver', 'semver', 'release', 'build', 'revision', 'rev', 'firmware', 'oid']),
    ['ip_address'],
  ],
  [new Set(['isbn', 'ean', 'upc', 'gtin', 'barcode', 'sku']), ['payment_card', 'phone', 'us_ssn']],
];

/**
 * Detectors a value scan of this column skips because its name says what its
 * values are not (`packages.version` holding `1.2.3.4`).
 */
export function scanExclusions(column: string): readonly DetectorId[] {
  const head = headTokens(nameTokens(column));
  const last = head[head.length - 1];
  if (last === undefined) return [];
  for (const [names, detectors] of SCAN_EXCLUSIONS) if (names.has(last)) return detectors;
  return [];
}
