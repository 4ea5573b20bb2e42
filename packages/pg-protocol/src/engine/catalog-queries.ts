import type { Logger } from 'pino';
import { analysePostgresDataFlow, type OutputColumn } from '@gatehouse/sql-core';
import type { CatalogRows } from './catalog-connection';

/**
 * What the catalog cache asks PostgreSQL (pg_class, pg_attribute, pg_type,
 * pg_rewrite + pg_depend) and how the answers read. Every value put into a
 * query is an OID (an integer) or hex-encoded text, so nothing a client
 * wrote is ever read as SQL, whatever the catalog connection's settings.
 */

/** A column of a table, view or composite type (pg_attribute). */
export interface AttributeInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typeModifier: number;
}

/** A relation a RowDescription points at (pg_class), with its columns by attribute number. */
export interface RelationInfo {
  readonly oid: number;
  /** `schema.name`, as masking rules and classification see it. */
  readonly qualified: string;
  /** pg_class.relkind: r table, v view, m materialized view, p partitioned, f foreign, c composite type. */
  readonly kind: string;
  readonly attributes: ReadonlyMap<number, AttributeInfo>;
  /** Views and materialized views: the lineage of column n at index n-1, from the view's definition. */
  readonly viewOutputs: readonly OutputColumn[] | null;
  /**
   * Views and materialized views: the views and materialized views their definition reads
   * (pg_depend of their rewrite rule), by the names the definition writes them with
   * (pg_get_viewdef on the catalog connection: `schema.name`, or `name` alone where that
   * connection's search_path finds it). Null for a name two of its relations could answer to.
   */
  readonly viewNames: ReadonlyMap<string, number | null> | null;
  /**
   * Views and materialized views: every relation their definition reads (tables too), named as
   * in `viewNames`, for the columns an alias list in the definition renames by position.
   */
  readonly relationNames: ReadonlyMap<string, number | null> | null;
}

/** A type that is not one of PostgreSQL's built-in ones (an extension's, a domain, an enum, a composite). */
export interface TypeInfo {
  readonly oid: number;
  readonly name: string;
  /** pg_type.typtype: b base, c composite, d domain, e enum, r range, m multirange, p pseudo. */
  readonly kind: string;
  /** pg_type.typcategory: S string, U user-defined, A array, C composite, N numeric, ... */
  readonly category: string;
  /** The binary send function's name (`textsend`, `citextsend`, `enum_send`): what its binary format is. */
  readonly send: string;
  readonly element: number;
  readonly base: number;
  readonly baseModifier: number;
  /** Composite types: the relation holding their columns. */
  readonly relation: number;
}

/** A function a fast-path FunctionCall names by OID (pg_proc). */
export interface FunctionInfo {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  /** pg_proc.prorettype: the OID of the type it returns. */
  readonly returnType: number;
}

/** The highest OID of objects initdb creates: anything above belongs to the database (FirstNormalObjectId). */
export const FIRST_NORMAL_OID = 16384;

/** Relation names longer than this (bytes) are not looked up: PostgreSQL cuts identifiers at 63 bytes. */
const MAX_NAME_BYTES = 2 * 63 + 1;

/** Relations one name may stand for that are followed at most (more: none is). */
const MAX_CANDIDATES = 16;

const oidList = (oids: readonly number[]): string =>
  `'{${oids.map((o) => Math.trunc(o) >>> 0).join(',')}}'::pg_catalog.oid[]`;

/** Arbitrary bytes as a literal no setting (standard_conforming_strings...) can reinterpret. */
const hexBytes = (v: string): string =>
  `pg_catalog.decode('${Buffer.from(v, 'utf8').toString('hex')}', 'hex')`;

/**
 * Whether relname is one of these strings. ASCII ones compare as names (the
 * index on pg_class.relname answers); others as UTF-8 bytes, which every
 * server encoding converts to without error (a name converted the other
 * way could fail the whole lookup).
 */
function relnameIn(values: readonly string[]): string {
  const ascii = values.filter((v) => /^[\x01-\x7f]*$/.test(v));
  const other = values.filter((v) => !ascii.includes(v));
  const tests: string[] = [];
  if (ascii.length > 0)
    tests.push(
      `c.relname = any(array[${ascii.map((v) => `pg_catalog.convert_from(${hexBytes(v)}, 'UTF8')`).join(', ')}]::pg_catalog.name[])`,
    );
  if (other.length > 0)
    tests.push(
      `pg_catalog.convert_to(c.relname::pg_catalog.text, 'UTF8') = any(array[${other.map(hexBytes).join(', ')}])`,
    );
  return tests.join(' or ');
}

export function typeLookup(types: readonly number[]): string {
  return (
    'select t.oid, t.typname, t.typtype, t.typcategory, t.typsend::pg_catalog.text, t.typelem, t.typbasetype, ' +
    `t.typtypmod, t.typrelid from pg_catalog.pg_type t where t.oid = any(${oidList(types)})`
  );
}

/** Three result sets: the relations, their columns, and the relations their views' rewrite rules depend on. */
export function relationLookup(relations: readonly number[]): string[] {
  const oids = oidList(relations);
  return [
    'select c.oid, n.nspname, c.relname, c.relkind, ' +
      "case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end " +
      'from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace ' +
      `where c.oid = any(${oids})`,
    'select a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod from pg_catalog.pg_attribute a ' +
      `where a.attrelid = any(${oids}) and a.attnum > 0 and not a.attisdropped`,
    'select distinct r.ev_class, dc.oid, dn.nspname, dc.relname, dc.relkind, pg_catalog.pg_table_is_visible(dc.oid) ' +
      'from pg_catalog.pg_rewrite r ' +
      "join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = r.oid " +
      "and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> r.ev_class " +
      'join pg_catalog.pg_class dc on dc.oid = d.refobjid ' +
      'join pg_catalog.pg_namespace dn on dn.oid = dc.relnamespace ' +
      `where r.ev_class = any(${oids}) and r.rulename = '_RETURN'`,
  ];
}

/**
 * Relation names as a statement writes them (`schema.name` or `name`): every
 * relation any of them could be, in any schema (a name's last part, or the
 * part after any dot, is the relation's name).
 */
export function nameLookup(names: readonly string[]): string | null {
  const candidates = new Set<string>();
  for (const name of names) {
    if (!resolvable(name)) continue;
    candidates.add(name);
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) candidates.add(name.slice(i + 1));
  }
  if (candidates.size === 0) return null;
  return (
    'select c.oid, n.nspname, c.relname, c.relkind ' +
    'from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace ' +
    `where ${relnameIn([...candidates])}`
  );
}

function resolvable(name: string): boolean {
  return name.length > 0 && !name.includes('\u0000') && Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES;
}

const isView = (kind: string): boolean => kind === 'v' || kind === 'm';

/** A relation a name a statement writes may stand for. */
export interface NamedRelation {
  readonly oid: number;
  /** A view or materialized view (its definition can be followed); else a table, a sequence... */
  readonly view: boolean;
}

/**
 * Every relation each asked name may stand for, whatever the session's
 * search_path: `schema.name` that one (`pg_temp.name` a temporary one of any
 * session), a bare `name` one of that name in any schema (temporary ones
 * included), and either reading of a name with a dot in it. More than one
 * means the session's search_path decides which: lineage follows all.
 */
export function readNames(asked: readonly string[], rows: CatalogRows): Map<string, NamedRelation[]> {
  const out = new Map<string, NamedRelation[]>();
  for (const name of asked) out.set(name, []);
  for (const r of rows) {
    const schema = r[1] ?? '';
    const relname = r[2] ?? '';
    const found: NamedRelation = { oid: Number(r[0]), view: isView(r[3] ?? '') };
    const temp = /^pg_temp_[0-9]+$/.test(schema) ? `pg_temp.${relname}` : null;
    for (const key of new Set([relname, `${schema}.${relname}`, temp])) {
      if (key !== null && resolvable(key)) out.get(key)?.push(found);
    }
  }
  // A name hundreds of schemas share is not followed (its columns keep their own names).
  for (const [name, found] of out) if (found.length > MAX_CANDIDATES) out.set(name, []);
  return out;
}

export function readType(r: (string | null)[]): TypeInfo {
  return {
    oid: Number(r[0]),
    name: r[1] ?? '',
    kind: r[2] ?? '',
    category: r[3] ?? '',
    send: (r[4] ?? '').replace(/^.*\./, ''),
    element: Number(r[5] ?? 0),
    base: Number(r[6] ?? 0),
    baseModifier: Number(r[7] ?? -1),
    relation: Number(r[8] ?? 0),
  };
}

/** The relations of relationLookup's three result sets. */
export function readRelations(
  rels: CatalogRows,
  attrs: CatalogRows,
  dependencies: CatalogRows,
  logger: Logger,
): RelationInfo[] {
  const attributes = new Map<number, Map<number, AttributeInfo>>();
  for (const a of attrs) {
    const rel = Number(a[0]);
    let m = attributes.get(rel);
    if (m === undefined) attributes.set(rel, (m = new Map()));
    m.set(Number(a[1]), { name: a[2] ?? '', typeOid: Number(a[3]), typeModifier: Number(a[4] ?? -1) });
  }
  const dependsOn = new Map<number, CatalogRows>();
  for (const d of dependencies) {
    const view = Number(d[0]);
    let list = dependsOn.get(view);
    if (list === undefined) dependsOn.set(view, (list = []));
    list.push(d.slice(1));
  }
  return rels.map((r) => {
    const oid = Number(r[0]);
    const viewdef = r[4];
    const kind = r[3] ?? '';
    return {
      oid,
      qualified: `${r[1] ?? ''}.${r[2] ?? ''}`,
      kind,
      attributes: attributes.get(oid) ?? new Map(),
      viewOutputs: viewdef === null || viewdef === undefined ? null : viewLineage(viewdef, logger),
      viewNames: isView(kind) ? readsByName(dependsOn.get(oid) ?? [], true) : null,
      relationNames: isView(kind) ? readsByName(dependsOn.get(oid) ?? [], false) : null,
    };
  });
}

/**
 * The views a definition reads (`viewsOnly`; tables dropped: lineage ends
 * there), or every relation it reads, by the names it writes them with.
 * pg_get_viewdef writes `schema.name`, or
 * `name` where the catalog connection's search_path finds that relation;
 * dependency rows are (oid, schema, name, kind, visible). A name two of
 * them answer to (a dot inside a quoted name) is null.
 */
function readsByName(dependencies: CatalogRows, viewsOnly: boolean): Map<string, number | null> {
  const byName = new Map<string, { oid: number; kind: string } | null>();
  const put = (key: string, value: { oid: number; kind: string }): void => {
    const had = byName.get(key);
    byName.set(key, had === undefined || had?.oid === value.oid ? value : null);
  };
  for (const r of dependencies) {
    const value = { oid: Number(r[0]), kind: r[3] ?? '' };
    put(`${r[1] ?? ''}.${r[2] ?? ''}`, value);
    if (r[4] === 't') put(r[2] ?? '', value);
  }
  const out = new Map<string, number | null>();
  for (const [name, found] of byName) {
    if (found === null) out.set(name, null);
    else if (!viewsOnly || isView(found.kind)) out.set(name, found.oid);
  }
  return out;
}

/** A view's column lineage, from its definition; null when it cannot be traced (columns are then the view's own). */
function viewLineage(viewdef: string, logger: Logger): readonly OutputColumn[] | null {
  try {
    const outputs = analysePostgresDataFlow(viewdef)[0]?.outputs ?? null;
    return outputs !== null && outputs.every((o) => o.star === undefined) ? outputs : null;
  } catch (err) {
    logger.debug({ err }, 'view definition could not be traced');
    return null;
  }
}
