import type { A_Const } from '@pgsql/types';
import {
  asNode,
  constValue,
  isObj,
  list,
  nameParts,
  nodeType,
  parseBool,
  stringNode,
  type Obj,
} from './pg-node';

/**
 * Folds a WHERE clause built from constants the way PostgreSQL would evaluate it, to find
 * clauses that are always true: `1=1`, `true`, `'a'='a'`, `NOT false`, `x OR 1=1`, `2>1`,
 * `'t'::bool`, `EXISTS (SELECT 1)`, `1 IN (1,2)`, `x = x`. Three-valued logic as in SQL: NULL
 * is neither true nor false, so `WHERE NULL = NULL` is not a tautology (it matches nothing).
 * Anything the folder does not understand is "not constant", which never makes a tautology.
 */
type Value =
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'null' }
  /** `x = x` on a column: true for every row where x is not null, which is what an attacker needs. */
  | { readonly t: 'rowtrue' };

const NULL: Value = { t: 'null' };
const TRUE: Value = { t: 'bool', v: true };
const FALSE: Value = { t: 'bool', v: false };

export function isTautology(where: unknown): boolean {
  const v = asBool(fold(where, 0));
  return v !== undefined && (v.t === 'rowtrue' || (v.t === 'bool' && v.v));
}

/**
 * True when any condition inside the clause folds to a constant (`1=2`, `'a'<>'b'`, `x = x`):
 * another literal in the same place could make the clause always true, so facts about this
 * clause hold for this exact text only.
 */
export function hasConstantCondition(where: unknown): boolean {
  let found = false;
  const visit = (node: unknown, depth: number): void => {
    if (found || depth > MAX_DEPTH) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    if (!isObj(node)) return;
    const type = nodeType(node);
    if (type !== null && type !== 'A_Const') {
      const v = fold(node, 0);
      if (v !== undefined && v.t !== 'num' && v.t !== 'str') {
        found = true;
        return;
      }
      // Literals on both sides: their values decide the comparison (`'a' = 'b'` vs `'b' = 'b'`,
      // `x + 1 = x + 1`), even where the folder cannot evaluate it.
      const body = (node as Obj)[type];
      if (type === 'A_Expr' && isObj(body) && containsConst(body.lexpr, 0) && containsConst(body.rexpr, 0)) {
        found = true;
        return;
      }
    }
    for (const value of Object.values(node)) visit(value, depth + 1);
  };
  visit(where, 0);
  return found;
}

function containsConst(node: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(node)) return node.some((item) => containsConst(item, depth + 1));
  if (!isObj(node)) return false;
  if (nodeType(node) === 'A_Const') return true;
  return Object.values(node).some((value) => containsConst(value, depth + 1));
}

const MAX_DEPTH = 64;

function fold(node: unknown, depth: number): Value | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const type = nodeType(node);
  if (type === null) return undefined;
  const b = (node as Obj)[type];
  if (!isObj(b)) return undefined;
  switch (type) {
    case 'A_Const': {
      const c = constValue(b as A_Const);
      if (c.type === 'null') return NULL;
      if (c.type === 'bool') return c.value ? TRUE : FALSE;
      if (c.type === 'number') return Number.isFinite(c.value) ? { t: 'num', v: c.value } : undefined;
      if (c.type === 'string') return { t: 'str', v: c.value };
      return undefined;
    }
    case 'TypeCast':
      return cast(fold(b.arg, depth + 1), nameParts(isObj(b.typeName) ? b.typeName.names : undefined));
    case 'CollateClause':
      return fold(b.arg, depth + 1);
    case 'BoolExpr':
      return boolExpr(String(b.boolop), list(b.args), depth);
    case 'A_Expr':
      return aExpr(b, depth);
    case 'NullTest': {
      const v = fold(b.arg, depth + 1);
      if (v === undefined || v.t === 'rowtrue') return undefined;
      const isNull = v.t === 'null';
      return b.nulltesttype === 'IS_NOT_NULL' ? bool(!isNull) : bool(isNull);
    }
    case 'BooleanTest': {
      const v = asBool(fold(b.arg, depth + 1));
      if (v === undefined || v.t === 'rowtrue') return undefined;
      const x = v.t === 'null' ? null : v.v;
      switch (b.booltesttype) {
        case 'IS_TRUE':
          return bool(x === true);
        case 'IS_NOT_TRUE':
          return bool(x !== true);
        case 'IS_FALSE':
          return bool(x === false);
        case 'IS_NOT_FALSE':
          return bool(x !== false);
        case 'IS_UNKNOWN':
          return bool(x === null);
        case 'IS_NOT_UNKNOWN':
          return bool(x !== null);
        default:
          return undefined;
      }
    }
    case 'SubLink':
      return b.subLinkType === 'EXISTS_SUBLINK' && constantExists(b.subselect, depth) ? TRUE : undefined;
    default:
      return undefined;
  }
}

function bool(v: boolean): Value {
  return v ? TRUE : FALSE;
}

/** In a boolean context an untyped string literal is read as a boolean (`WHERE 't'`). */
function asBool(v: Value | undefined): Value | undefined {
  if (v === undefined || v.t === 'bool' || v.t === 'null' || v.t === 'rowtrue') return v;
  if (v.t === 'str') {
    const b = parseBool(v.v);
    return b === null ? undefined : bool(b);
  }
  return undefined;
}

function cast(v: Value | undefined, names: string[] | null): Value | undefined {
  if (v === undefined || names === null) return undefined;
  if (v.t === 'null') return NULL;
  const type = names[names.length - 1] ?? '';
  switch (type) {
    case 'bool':
    case 'boolean':
      if (v.t === 'num') return bool(v.v !== 0);
      return asBool(v);
    case 'int2':
    case 'int4':
    case 'int8':
    case 'int':
    case 'integer':
    case 'smallint':
    case 'bigint':
    case 'numeric':
    case 'decimal':
    case 'float4':
    case 'float8':
    case 'real': {
      const n = toNumber(v);
      return n === undefined ? undefined : { t: 'num', v: n };
    }
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'char':
    case 'name':
      if (v.t === 'str') return v;
      if (v.t === 'num') return { t: 'str', v: String(v.v) };
      return undefined;
    default:
      return undefined;
  }
}

function toNumber(v: Value): number | undefined {
  if (v.t === 'num') return v.v;
  if (v.t === 'str' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v.v)) return Number(v.v);
  return undefined;
}

function boolExpr(op: string, args: readonly unknown[], depth: number): Value | undefined {
  const vals = args.map((a) => asBool(fold(a, depth + 1)));
  if (op === 'NOT_EXPR') {
    const v = vals[0];
    if (v === undefined || v.t === 'rowtrue') return undefined;
    return v.t === 'null' ? NULL : bool(!(v as { v: boolean }).v);
  }
  const isAnd = op === 'AND_EXPR';
  let sawNull = false;
  let sawUnknown = false;
  let sawRowTrue = false;
  for (const v of vals) {
    if (v === undefined) sawUnknown = true;
    else if (v.t === 'null') sawNull = true;
    else if (v.t === 'rowtrue') sawRowTrue = true;
    else if (v.t === 'bool' && v.v !== isAnd) return v; // false decides AND, true decides OR
  }
  if (sawUnknown) return undefined;
  if (sawNull) return NULL;
  return sawRowTrue ? { t: 'rowtrue' } : bool(isAnd);
}

function aExpr(b: Obj, depth: number): Value | undefined {
  const op = (nameParts(b.name) ?? []).pop() ?? '';
  switch (b.kind) {
    case 'AEXPR_OP':
      if (b.lexpr === undefined) return unary(op, fold(b.rexpr, depth + 1));
      if (sameColumn(b.lexpr, b.rexpr) && (op === '=' || op === '<=' || op === '>=')) return { t: 'rowtrue' };
      return binary(op, fold(b.lexpr, depth + 1), fold(b.rexpr, depth + 1));
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const l = fold(b.lexpr, depth + 1);
      const r = fold(b.rexpr, depth + 1);
      if (l === undefined || r === undefined || l.t === 'rowtrue' || r.t === 'rowtrue') return undefined;
      const same = l.t === 'null' || r.t === 'null' ? l.t === r.t : asTrue(compare('=', l, r));
      if (same === undefined) return undefined;
      return bool(b.kind === 'AEXPR_DISTINCT' ? !same : same);
    }
    case 'AEXPR_IN': {
      const l = fold(b.lexpr, depth + 1);
      let result: Value = FALSE;
      for (const item of listItems(b.rexpr)) {
        const c = compare('=', l, fold(item, depth + 1));
        if (c === undefined) return undefined;
        if (c.t === 'bool' && c.v) {
          result = TRUE;
          break;
        }
        if (c.t === 'null') result = NULL;
      }
      // NOT IN is spelled with the operator `<>`.
      if (op === '<>') return result.t === 'null' ? NULL : bool(!(result as { v: boolean }).v);
      return result;
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const bounds = listItems(b.rexpr);
      const x = fold(b.lexpr, depth + 1);
      const lo = compare('>=', x, fold(bounds[0], depth + 1));
      const hi = compare('<=', x, fold(bounds[1], depth + 1));
      const inside = boolAnd(lo, hi);
      if (inside === undefined || inside.t !== 'bool') return inside;
      return b.kind === 'AEXPR_BETWEEN' ? inside : bool(!inside.v);
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const l = fold(b.lexpr, depth + 1);
      const r = fold(b.rexpr, depth + 1);
      if (l?.t === 'null' || r?.t === 'null') return NULL;
      if (l?.t !== 'str' || r?.t !== 'str') return undefined;
      const m = likeRegex(r.v, b.kind === 'AEXPR_ILIKE').test(l.v);
      return bool(op.startsWith('!') ? !m : m);
    }
    default:
      return undefined;
  }
}

/** IN (...) and BETWEEN hold their right side in a List node. */
function listItems(v: unknown): readonly unknown[] {
  const l = asNode(v, 'List');
  return l === null ? list(v) : list(l.items);
}

function boolAnd(a: Value | undefined, b: Value | undefined): Value | undefined {
  if (a === undefined || b === undefined) return undefined;
  if ((a.t === 'bool' && !a.v) || (b.t === 'bool' && !b.v)) return FALSE;
  if (a.t === 'null' || b.t === 'null') return NULL;
  return a.t === 'bool' && b.t === 'bool' ? TRUE : undefined;
}

function asTrue(v: Value | undefined): boolean | undefined {
  return v?.t === 'bool' ? v.v : undefined;
}

function unary(op: string, v: Value | undefined): Value | undefined {
  if (v === undefined) return undefined;
  if (v.t === 'null') return NULL;
  const n = toNumber(v);
  if (n === undefined) return undefined;
  if (op === '-') return { t: 'num', v: -n };
  if (op === '+') return { t: 'num', v: n };
  return undefined;
}

function binary(op: string, l: Value | undefined, r: Value | undefined): Value | undefined {
  if (l === undefined || r === undefined || l.t === 'rowtrue' || r.t === 'rowtrue') return undefined;
  switch (op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      if (l.t === 'null' || r.t === 'null') return NULL;
      const a = toNumber(l);
      const c = toNumber(r);
      if (a === undefined || c === undefined) return undefined;
      const v =
        op === '+'
          ? a + c
          : op === '-'
            ? a - c
            : op === '*'
              ? a * c
              : c === 0
                ? NaN
                : op === '/'
                  ? a / c
                  : a % c;
      return Number.isFinite(v) ? { t: 'num', v } : undefined;
    }
    case '||':
      if (l.t === 'null' || r.t === 'null') return NULL;
      if (l.t === 'str' && r.t === 'str') return { t: 'str', v: l.v + r.v };
      return undefined;
    default:
      return compare(op, l, r);
  }
}

/** Comparison of two constants. Strings compare only for (in)equality: ordering depends on the collation. */
function compare(op: string, l: Value | undefined, r: Value | undefined): Value | undefined {
  if (l === undefined || r === undefined || l.t === 'rowtrue' || r.t === 'rowtrue') return undefined;
  if (l.t === 'null' || r.t === 'null') return NULL;
  let cmp: number | undefined;
  if (l.t === 'str' && r.t === 'str') {
    if (op !== '=' && op !== '<>' && op !== '!=') return undefined;
    cmp = l.v === r.v ? 0 : 1;
  } else if (l.t === 'bool' || r.t === 'bool') {
    const a = asBool(l);
    const c = asBool(r);
    if (a?.t !== 'bool' || c?.t !== 'bool') return undefined;
    cmp = Number(a.v) - Number(c.v);
  } else {
    // An untyped literal compared with a number is read as a number ('1' = 1 is true).
    const a = toNumber(l);
    const c = toNumber(r);
    if (a === undefined || c === undefined) return undefined;
    cmp = a === c ? 0 : a < c ? -1 : 1;
  }
  switch (op) {
    case '=':
      return bool(cmp === 0);
    case '<>':
    case '!=':
      return bool(cmp !== 0);
    case '<':
      return bool(cmp < 0);
    case '>':
      return bool(cmp > 0);
    case '<=':
      return bool(cmp <= 0);
    case '>=':
      return bool(cmp >= 0);
    default:
      return undefined;
  }
}

function sameColumn(a: unknown, b: unknown): boolean {
  const x = asNode(a, 'ColumnRef');
  const y = asNode(b, 'ColumnRef');
  if (x === null || y === null) return false;
  const fx = list(x.fields).map((f) => stringNode(f) ?? '*');
  const fy = list(y.fields).map((f) => stringNode(f) ?? '*');
  return fx.length === fy.length && fx.every((v, i) => v === fy[i]) && !fx.includes('*');
}

/** EXISTS (SELECT 1) and EXISTS (SELECT 1 WHERE true): a subquery with no FROM always returns its row. */
function constantExists(subselect: unknown, depth: number): boolean {
  const s = asNode(subselect, 'SelectStmt');
  if (s === null || s.fromClause !== undefined || s.havingClause !== undefined || s.limitCount !== undefined)
    return false;
  if (s.op !== undefined && s.op !== 'SETOP_NONE') return false;
  if (s.valuesLists !== undefined || s.groupClause !== undefined) return false;
  if (s.whereClause === undefined) return true;
  const v = asBool(fold(s.whereClause, depth + 1));
  return v?.t === 'bool' && v.v;
}

/** LIKE pattern to a regular expression: % any run, _ one character, backslash escapes. */
function likeRegex(pattern: string, insensitive: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '\\' && i + 1 < pattern.length) re += escape(pattern[++i] ?? '');
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += escape(ch);
  }
  return new RegExp(`^${re}$`, insensitive ? 'i' : '');
}

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
