import type { TableRef } from '../analysis/statement-facts';

/**
 * One segment of a table pattern (`public`, `audit_*`, `t?`): `*` matches any
 * run of characters, `?` exactly one. Everything else is literal.
 */
export interface SegmentMatcher {
  /** Case-sensitive, as the identifier was normalised by analysis. */
  exact(value: string): boolean;
  /** Case-insensitive. */
  folded(value: string): boolean;
}

/** A compiled `schema.table` or `table` pattern. */
export interface TableGlob {
  readonly pattern: string;
  /** Null when the pattern names no schema or `*`: every schema, and unqualified names. */
  readonly schema: SegmentMatcher | null;
  readonly table: SegmentMatcher;
}

// Identifier characters a pattern may hold besides the wildcards. `$` and
// digits are legal in unquoted PostgreSQL and MySQL identifiers; `-` appears
// in quoted MySQL database names.
const SEGMENT = /^[\p{L}\p{N}_$*?-]+$/u;

/** Compiles a pattern, or says what to write instead. */
export function compileTableGlob(pattern: string): TableGlob | { readonly error: string } {
  const shown = JSON.stringify(pattern);
  if (pattern.length === 0)
    return { error: 'is empty; write a table such as public.users, public.* or audit_*' };
  if (pattern.length > 200) return { error: `${shown.slice(0, 40)}... is too long (over 200 characters)` };
  if (/["`'[\]]/.test(pattern)) {
    return {
      error: `${shown} holds quotes or brackets; write identifiers bare, as the database stores them (public.Users, not public."Users")`,
    };
  }
  if (pattern.includes('%')) return { error: `${shown} uses %; table patterns are globs, write * instead` };
  const parts = pattern.split('.');
  if (parts.length > 2) {
    return {
      error: `${shown} has more than one dot; write schema.table or table (match the database with databases)`,
    };
  }
  if (parts.some((p) => p.length === 0)) {
    return { error: `${shown} has an empty part; write schema.table, schema.* or table` };
  }
  const bad = parts.find((p) => !SEGMENT.test(p));
  if (bad !== undefined) {
    return {
      error: `${shown} holds characters that are not part of an identifier; use letters, digits, _, $, - and the wildcards * and ?`,
    };
  }
  const [first, second] = parts as [string, string | undefined];
  const schemaPart = second === undefined ? null : first;
  const tablePart = second ?? first;
  return {
    pattern,
    schema: schemaPart === null || schemaPart === '*' ? null : compileSegment(schemaPart),
    table: compileSegment(tablePart),
  };
}

/**
 * Guarding rules (deny, review): could the statement's table be one the
 * pattern names? Case is ignored, and an unqualified name (schema null) is
 * resolved by a search path the client can change, so it may be in any
 * schema: only its name is compared.
 */
export function tableMayMatch(glob: TableGlob, table: TableRef): boolean {
  if (!glob.table.folded(table.name)) return false;
  if (glob.schema === null || table.schema === null) return true;
  return glob.schema.folded(table.schema);
}

/**
 * Allow rules: is the statement's table certainly one the pattern names?
 * Case must agree, and an unqualified name only matches a pattern that
 * accepts every schema (`orders`, `*.orders`), since it may resolve anywhere.
 */
export function tableSurelyMatches(glob: TableGlob, table: TableRef): boolean {
  if (!glob.table.exact(table.name)) return false;
  if (glob.schema === null) return true;
  if (table.schema === null) return false;
  return glob.schema.exact(table.schema);
}

export function formatTable(table: TableRef): string {
  return table.schema === null ? table.name : `${table.schema}.${table.name}`;
}

const ANY: SegmentMatcher = { exact: () => true, folded: () => true };

function compileSegment(segment: string): SegmentMatcher {
  if (segment === '*') return ANY;
  const lower = segment.toLowerCase();
  const stars = countOf(segment, '*');
  if (!segment.includes('?')) {
    if (stars === 0) {
      return {
        exact: (v) => v === segment,
        folded: (v) => v.length === lower.length && (v === lower || v.toLowerCase() === lower),
      };
    }
    if (stars === 1 && segment.endsWith('*')) {
      const prefix = segment.slice(0, -1);
      const lowerPrefix = prefix.toLowerCase();
      return {
        exact: (v) => v.startsWith(prefix),
        folded: (v) =>
          v.length >= lowerPrefix.length && v.slice(0, lowerPrefix.length).toLowerCase() === lowerPrefix,
      };
    }
    if (stars === 1 && segment.startsWith('*')) {
      const suffix = segment.slice(1);
      const lowerSuffix = suffix.toLowerCase();
      return {
        exact: (v) => v.endsWith(suffix),
        folded: (v) =>
          v.length >= lowerSuffix.length &&
          v.slice(v.length - lowerSuffix.length).toLowerCase() === lowerSuffix,
      };
    }
  }
  const source = `^${[...segment].map(globCharToRegex).join('')}$`;
  const exact = new RegExp(source, 'su');
  const folded = new RegExp(source, 'siu');
  return { exact: (v) => exact.test(v), folded: (v) => folded.test(v) };
}

function globCharToRegex(ch: string): string {
  if (ch === '*') return '.*';
  if (ch === '?') return '.';
  // Only `$` can occur here (SEGMENT admits no other syntax character); escape them all anyway.
  return ch.replace(/[$^\\.*+?()[\]{}|/]/g, '\\$&');
}

function countOf(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
