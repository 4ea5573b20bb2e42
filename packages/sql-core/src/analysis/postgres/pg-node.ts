import type { A_Const, DefElem, FuncCall, RangeVar } from '@pgsql/types';
import type { TableRef } from '../statement-facts';

/**
 * Helpers over libpg-query's JSON parse tree. A field typed `Node` in the PostgreSQL structs is
 * wrapped (`{ "RangeVar": { ... } }`); a field with a concrete struct type (`RangeVar *relation`)
 * is written bare. Zero values (false, 0, empty lists) are left out of the JSON.
 */

export type Obj = { readonly [key: string]: unknown };

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type name of a wrapped node (`SelectStmt`), or null for a bare struct or a non-node. */
export function nodeType(value: unknown): string | null {
  if (!isObj(value)) return null;
  let found: string | null = null;
  for (const key in value) {
    if (found !== null) return null;
    found = key;
  }
  if (found === null) return null;
  const c = found.charCodeAt(0);
  // Node type names start with an upper-case letter; struct field names never do.
  return c >= 65 && c <= 90 ? found : null;
}

export function nodeBody<T = Obj>(value: unknown): T {
  const type = nodeType(value);
  return (type === null ? value : (value as Obj)[type]) as T;
}

export function asNode<K extends string>(value: unknown, type: K): Obj | null {
  return isObj(value) && isObj(value[type]) ? (value[type] as Obj) : null;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `{"String":{"sval":"x"}}` -> `x`. */
export function stringNode(value: unknown): string | null {
  const body = asNode(value, 'String');
  if (body === null) return null;
  return typeof body.sval === 'string' ? body.sval : '';
}

/** A list of `String` nodes (a qualified name) -> its parts; null if any part is not a string. */
export function nameParts(value: unknown): string[] | null {
  const parts: string[] = [];
  for (const item of list(value)) {
    const s = stringNode(item);
    if (s === null) return null;
    parts.push(s);
  }
  return parts;
}

/** A qualified name as a table: the last part is the name, the one before it the schema. */
export function tableFromParts(parts: readonly string[]): TableRef | null {
  const name = parts[parts.length - 1];
  if (name === undefined) return null;
  return { schema: parts.length >= 2 ? (parts[parts.length - 2] ?? null) : null, name };
}

/** A bare RangeVar struct, recognised by shape where the field type is not wrapped. */
export function isRangeVarBody(value: unknown): value is RangeVar {
  return isObj(value) && typeof value.relname === 'string' && typeof value.relpersistence === 'string';
}

/** A bare TypeName struct (`ColumnDef.typeName`, `TypeCast.typeName`): `typemod` is always present. */
export function isTypeNameBody(value: unknown): boolean {
  return (
    isObj(value) &&
    typeof value.typemod === 'number' &&
    (Array.isArray(value.names) || value.typeOid !== undefined)
  );
}

/** RangeVar -> TableRef. The catalog part of `db.schema.table` must name the current database; it is dropped. */
export function tableFromRangeVar(rv: RangeVar): TableRef {
  return { schema: rv.schemaname ?? null, name: rv.relname ?? '' };
}

export function tableKey(t: TableRef): string {
  return t.schema === null ? t.name : `${t.schema}\u0000${t.name}`;
}

export type ConstValue =
  | { readonly type: 'null' }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'number'; readonly value: number; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bits'; readonly value: string };

export function constValue(c: A_Const): ConstValue {
  if (c.isnull) return { type: 'null' };
  if (c.boolval !== undefined) return { type: 'bool', value: c.boolval.boolval === true };
  if (c.ival !== undefined) {
    const v = c.ival.ival ?? 0;
    return { type: 'number', value: v, text: String(v) };
  }
  if (c.fval !== undefined) {
    const text = (c.fval.fval ?? '0').replace(/_/g, '');
    return { type: 'number', value: Number(text), text };
  }
  if (c.sval !== undefined) return { type: 'string', value: c.sval.sval ?? '' };
  if (c.bsval !== undefined) return { type: 'bits', value: c.bsval.bsval ?? '' };
  return { type: 'null' };
}

/** The string inside `'x'` or `'x'::type` when an argument is a plain string constant. */
export function constString(value: unknown): string | null {
  let v: unknown = value;
  const cast = asNode(v, 'TypeCast');
  if (cast !== null) v = cast.arg;
  const c = asNode(v, 'A_Const');
  if (c === null) return null;
  const cv = constValue(c as A_Const);
  return cv.type === 'string' ? cv.value : null;
}

/** Function name as written: `pg_catalog.pg_sleep`; SQL-syntax forms (`EXTRACT`) lose the implicit `pg_catalog`. */
export function functionName(fc: FuncCall): string {
  const parts = nameParts(fc.funcname) ?? [];
  if (fc.funcformat === 'COERCE_SQL_SYNTAX' && parts.length === 2 && parts[0] === 'pg_catalog')
    return parts[1] ?? '';
  return parts.join('.');
}

export function baseName(qualified: string): string {
  const dot = qualified.lastIndexOf('.');
  return dot < 0 ? qualified : qualified.slice(dot + 1);
}

/**
 * A DefElem option read as a boolean the way PostgreSQL's defGetBoolean does: no argument means
 * true; true/false/on/off/1/0 and their spellings; anything else is null (not a boolean).
 */
export function defElemBool(d: DefElem): boolean | null {
  const arg = d.arg as unknown;
  if (arg === undefined) return true;
  const integer = asNode(arg, 'Integer');
  if (integer !== null) return (integer.ival ?? 0) !== 0;
  const boolean = asNode(arg, 'Boolean');
  if (boolean !== null) return boolean.boolval === true;
  const s = stringNode(arg);
  if (s === null) return null;
  return parseBool(s);
}

/**
 * PostgreSQL's parse_bool: case-insensitive, surrounding whitespace ignored, any unique prefix
 * of true/false/yes/no, `on`/`off` (at least `of`), `1`/`0`.
 */
export function parseBool(text: string): boolean | null {
  const s = text.trim().toLowerCase();
  if (s.length === 0) return null;
  if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === 'on' || s === '1') return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s) || s === 'off' || s === 'of' || s === '0') return false;
  return null;
}

export function defElems(options: unknown): DefElem[] {
  const out: DefElem[] = [];
  for (const o of list(options)) {
    const d = asNode(o, 'DefElem');
    if (d !== null) out.push(d as DefElem);
  }
  return out;
}

/**
 * Split a regclass-style text (`nextval('public."Seq"')`) into a table the way PostgreSQL's
 * stringToQualifiedNameList does: dots separate parts, double quotes keep case and dots, other
 * text is lower-cased (ASCII only, as for a UTF-8 server). Null when the text is not a name.
 */
export function tableFromQualifiedText(text: string): TableRef | null {
  const parts: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && /\s/.test(text[i] ?? '')) i++;
    let part = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) return null;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i];
        i++;
      }
      if (part.length === 0) return null;
    } else {
      const start = i;
      while (i < n && text[i] !== '.' && !/\s/.test(text[i] ?? '')) i++;
      part = text.slice(start, i).replace(/[A-Z]+/g, (m) => m.toLowerCase());
      if (part.length === 0) return null;
    }
    parts.push(part);
    while (i < n && /\s/.test(text[i] ?? '')) i++;
    if (i >= n) break;
    if (text[i] !== '.') return null;
    i++;
  }
  return parts.length > 3 ? null : tableFromParts(parts);
}
