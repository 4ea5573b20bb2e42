import { canonicalMemberJson } from './canonical-json';

/**
 * Record bodies for the two events every statement writes (an intent before
 * it runs, an outcome after), written straight from their known members:
 * the generic serialiser walks every key of every object to prove the order
 * canonical, which on the statement path costs more than the write itself.
 *
 * Each writer returns exactly canonicalJson(event), or null when the event
 * is not precisely the shape the builders make (another key, a key out of
 * order, a value of another type): the caller then takes the generic path,
 * which also raises its errors. Keys are compared in enumeration order, so
 * an event with the right keys in another order takes the generic path too.
 */

/** The intent's keys in canonical order; `sql_text` may stand before `statement_seq`. */
const INTENT_KEYS = [
  'type',
  'time',
  'approval_id',
  'database',
  'decision',
  'environment',
  'in_transaction',
  'reason',
  'rule_id',
  'session_id',
  'source',
  'statement_seq',
  'statements',
  'subject',
  'target',
] as const;
const SQL_TEXT_BEFORE = INTENT_KEYS.indexOf('statement_seq');

const OUTCOME_KEYS = [
  'type',
  'time',
  'duration_ms',
  'masked',
  'rows_affected',
  'rows_returned',
  'session_id',
  'sqlstate',
  'statement_seq',
  'status',
  'subject',
  'target',
] as const;

type Fields = Record<string, unknown>;

/** Own keys in enumeration order equal `keys` (with `optional` allowed just before `keys[optionalAt]`). */
function hasExactKeys(
  obj: Fields,
  keys: readonly string[],
  optional: string | null = null,
  optionalAt = -1,
): boolean {
  if (Object.getPrototypeOf(obj) !== Object.prototype) return false;
  let i = 0;
  let sawOptional = false;
  // for-in also walks inherited enumerable keys: any there is a mismatch, as it should be.
  for (const key in obj) {
    if (i === optionalAt && !sawOptional && key === optional) {
      sawOptional = true;
      continue;
    }
    if (key !== keys[i]) return false;
    i += 1;
  }
  return i === keys.length;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? JSON.stringify(value) : null;
}

/**
 * JSON texts of the strings that come back record after record (a session's
 * id, subject, target and database; a rule id, a decision, a status):
 * written once. Bounded: past MAX_REPEATED entries it starts again.
 */
const REPEATED = new Map<string, string>();
const MAX_REPEATED = 4096;
/** Longer strings are written each time: the map's memory stays small. */
const MAX_REPEATED_LENGTH = 256;

function repeated(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (value.length > MAX_REPEATED_LENGTH) return JSON.stringify(value);
  let json = REPEATED.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    if (REPEATED.size >= MAX_REPEATED) REPEATED.clear();
    REPEATED.set(value, json);
  }
  return json;
}

function repeatedOrNull(value: unknown): string | null {
  return value === null ? 'null' : repeated(value);
}

/** The last record time written: every record of the same millisecond has the same one. */
let lastTime = '';
let lastTimeJson = '""';

function time(value: unknown): string | null {
  if (value === lastTime) return lastTimeJson;
  const json = text(value);
  if (json !== null) {
    lastTime = value as string;
    lastTimeJson = json;
  }
  return json;
}

function textOrNull(value: unknown): string | null {
  return value === null ? 'null' : text(value);
}

function finite(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? JSON.stringify(value) : null;
}

function finiteOrNull(value: unknown): string | null {
  return value === null ? 'null' : finite(value);
}

/** Some member was not of its type: the generic path decides (and raises what it raises). */
class Mismatch extends Error {}
const MISMATCH = new Mismatch();

function must(part: string | null): string {
  if (part === null) throw MISMATCH;
  return part;
}

/** canonicalJson of a `statement.intent` event as statementIntentEvent builds it; null otherwise. */
export function intentBody(event: object): string | null {
  const e = event as Fields;
  if (e.type !== 'statement.intent') return null;
  const hasText = 'sql_text' in e;
  if (!hasExactKeys(e, INTENT_KEYS, 'sql_text', SQL_TEXT_BEFORE)) return null;
  if (typeof e.in_transaction !== 'boolean' || !Array.isArray(e.statements)) return null;
  try {
    return (
      `{"type":"statement.intent","time":${must(time(e.time))}` +
      `,"approval_id":${must(textOrNull(e.approval_id))}` +
      `,"database":${must(repeated(e.database))}` +
      `,"decision":${must(repeated(e.decision))}` +
      `,"environment":${must(repeated(e.environment))}` +
      `,"in_transaction":${e.in_transaction ? 'true' : 'false'}` +
      `,"reason":${must(repeatedOrNull(e.reason))}` +
      `,"rule_id":${must(repeated(e.rule_id))}` +
      `,"session_id":${must(repeated(e.session_id))}` +
      `,"source":${must(repeated(e.source))}` +
      (hasText ? `,"sql_text":${must(text(e.sql_text))}` : '') +
      `,"statement_seq":${must(finite(e.statement_seq))}` +
      `,"statements":${canonicalMemberJson(e.statements)}` +
      `,"subject":${must(repeated(e.subject))}` +
      `,"target":${must(repeated(e.target))}}`
    );
  } catch (err) {
    if (err instanceof Mismatch) return null;
    throw err;
  }
}

/** canonicalJson of a `statement.outcome` event as statementOutcomeEvent builds it; null otherwise. */
export function outcomeBody(event: object): string | null {
  const e = event as Fields;
  if (e.type !== 'statement.outcome' || !hasExactKeys(e, OUTCOME_KEYS)) return null;
  const masked = e.masked;
  if (!Array.isArray(masked)) return null;
  try {
    return (
      `{"type":"statement.outcome","time":${must(time(e.time))}` +
      `,"duration_ms":${must(finite(e.duration_ms))}` +
      `,"masked":${masked.length === 0 ? '[]' : canonicalMemberJson(masked)}` +
      `,"rows_affected":${must(finiteOrNull(e.rows_affected))}` +
      `,"rows_returned":${must(finiteOrNull(e.rows_returned))}` +
      `,"session_id":${must(repeated(e.session_id))}` +
      `,"sqlstate":${must(repeatedOrNull(e.sqlstate))}` +
      `,"statement_seq":${must(finite(e.statement_seq))}` +
      `,"status":${must(repeated(e.status))}` +
      `,"subject":${must(repeated(e.subject))}` +
      `,"target":${must(repeated(e.target))}}`
    );
  } catch (err) {
    if (err instanceof Mismatch) return null;
    throw err;
  }
}
