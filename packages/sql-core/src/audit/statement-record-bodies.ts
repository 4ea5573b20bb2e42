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
      `{"type":"statement.intent","time":${must(text(e.time))}` +
      `,"approval_id":${must(textOrNull(e.approval_id))}` +
      `,"database":${must(text(e.database))}` +
      `,"decision":${must(text(e.decision))}` +
      `,"environment":${must(text(e.environment))}` +
      `,"in_transaction":${e.in_transaction ? 'true' : 'false'}` +
      `,"reason":${must(textOrNull(e.reason))}` +
      `,"rule_id":${must(text(e.rule_id))}` +
      `,"session_id":${must(text(e.session_id))}` +
      `,"source":${must(text(e.source))}` +
      (hasText ? `,"sql_text":${must(text(e.sql_text))}` : '') +
      `,"statement_seq":${must(finite(e.statement_seq))}` +
      `,"statements":${canonicalMemberJson(e.statements)}` +
      `,"subject":${must(text(e.subject))}` +
      `,"target":${must(text(e.target))}}`
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
      `{"type":"statement.outcome","time":${must(text(e.time))}` +
      `,"duration_ms":${must(finite(e.duration_ms))}` +
      `,"masked":${masked.length === 0 ? '[]' : canonicalMemberJson(masked)}` +
      `,"rows_affected":${must(finiteOrNull(e.rows_affected))}` +
      `,"rows_returned":${must(finiteOrNull(e.rows_returned))}` +
      `,"session_id":${must(text(e.session_id))}` +
      `,"sqlstate":${must(textOrNull(e.sqlstate))}` +
      `,"statement_seq":${must(finite(e.statement_seq))}` +
      `,"status":${must(text(e.status))}` +
      `,"subject":${must(text(e.subject))}` +
      `,"target":${must(text(e.target))}}`
    );
  } catch (err) {
    if (err instanceof Mismatch) return null;
    throw err;
  }
}
