import { maskText, type MaskPlan } from '@gatehouse/sql-core';
import {
  BackendCode,
  decodeErrorFields,
  encodeErrorResponse,
  encodeNoticeResponse,
  type ErrorFields,
} from '../codec';

/** Fields of an error or notice that may quote values (never the SQLSTATE, names of objects, or positions). */
const TEXT_FIELDS = ['message', 'detail', 'hint', 'where', 'internalQuery'] as const;

/** `"..."` in a message: a value the server quotes (`invalid input syntax for type integer: "219-09-9999"`). */
const QUOTED = /"(?:[^"]|"")*"/g;
/** `Key (email)=(jane@example.com) already exists.`, `Failing row contains (1, jane@...).` */
const KEY_VALUES = /(\)=\()(.*?)(\)(?: already exists| is not present| is still referenced|\.|$))/g;
const FAILING_ROW = /(Failing row contains \()(.*)(\)\.?)$/s;

/**
 * Redacts values an upstream error or notice echoes: the value scan runs
 * over its text fields, and when the statement read masked columns (the
 * error may quote one of them: `ssn::int` fails with the SSN in the
 * message) every quoted value is hidden. Returns the new message, or null
 * when nothing changed.
 */
export function redactErrorResponse(
  code: number,
  payload: Buffer,
  plan: MaskPlan,
  sensitive: boolean,
): Buffer | null {
  const fields = decodeErrorFields(payload);
  const scan = { defaultCountry: plan.options.defaultCountry ?? 'US' };
  let changed = false;
  const out: ErrorFields = { ...fields };
  // Names of the objects involved are quoted too (`relation "users"`): they are not values.
  const names = new Set(
    [fields.schema, fields.table, fields.column, fields.dataType, fields.constraint].filter(
      (n) => n !== undefined,
    ),
  );
  for (const name of TEXT_FIELDS) {
    const text = fields[name];
    if (text === undefined || text === '') continue;
    let redacted = plan.auto === false ? text : maskText(text, scan);
    if (sensitive) {
      redacted = redacted
        .replace(QUOTED, (q) =>
          q.length > 2 && !names.has(q.slice(1, -1).replace(/""/g, '"')) ? '"***"' : q,
        )
        .replace(KEY_VALUES, (_, a: string, _v: string, b: string) => `${a}***${b}`)
        .replace(FAILING_ROW, (_, a: string, _v: string, b: string) => `${a}***${b}`);
    }
    if (redacted !== text) {
      out[name] = redacted;
      changed = true;
    }
  }
  if (!changed) return null;
  return code === BackendCode.ErrorResponse ? encodeErrorResponse(out) : encodeNoticeResponse(out);
}
