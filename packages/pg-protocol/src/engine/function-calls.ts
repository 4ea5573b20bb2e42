import { quoteIdentifier } from '@gatehouse/sql-core';
import type { FunctionInfo } from './catalog-cache';

/**
 * Fast-path FunctionCall (libpq's PQfn; psql's \lo_import, \lo_export and
 * \lo_unlink use it) names a function by OID and passes its arguments as
 * values. The pipeline judges the equivalent statement,
 * `SELECT "schema"."name"($1, ...)`, so the function's effects (a write for
 * lowrite or lo_unlink, server control for pg_terminate_backend) and the
 * policy apply as they would to that SELECT. A function the catalog does not
 * know, or a catalog that cannot be asked, leaves text no parser accepts:
 * unknown, denied unless a rule allows unknown statements.
 */
export function functionCallText(oid: number, fn: FunctionInfo | null, argumentCount: number): string {
  if (fn === null) return `FUNCTION CALL ${oid}`;
  const args = Array.from({ length: argumentCount }, (_, i) => `$${i + 1}`).join(', ');
  return `SELECT ${quoteIdentifier(fn.schema)}.${quoteIdentifier(fn.name)}(${args})`;
}

/** bool, int8, int2, int4, oid, void: results with nothing a mask could apply to. */
const UNMASKABLE_RESULT_TYPES: ReadonlySet<number> = new Set([16, 20, 21, 23, 26, 2278]);

/**
 * A FunctionCallResponse is one value outside any result set, so masking
 * cannot rewrite it. Functions returning a number, an OID, a boolean or
 * nothing (lo_open, lowrite, lo_close, lo_unlink...) have nothing to mask;
 * for any other (loread's bytea), and for a function the catalog could not
 * name, this says why, and the pipeline denies the
 * call to an identity whose results are masked, pointing to SELECT, whose
 * result is masked.
 */
export function unmaskableFunctionResult(fn: FunctionInfo | null): string | undefined {
  // Not known (no such OID, or the catalog could not be asked): what it returns is not known either.
  if (fn === null) return 'the function called by fast path is not known, so its result cannot be masked';
  if (UNMASKABLE_RESULT_TYPES.has(fn.returnType)) return undefined;
  return `the result of ${fn.schema}.${fn.name} called by fast path cannot be masked; call it with SELECT instead`;
}
