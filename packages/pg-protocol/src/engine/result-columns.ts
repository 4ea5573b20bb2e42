import {
  columnShapeOfPgType,
  type ColumnShape,
  type OutputColumn,
  type ResultColumn,
  type SourceColumn,
} from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { AttributeInfo, CatalogCache, RelationInfo, TypeInfo } from './catalog-cache';
import { rowKeyLineage, traceStatementColumn, traceViewColumn } from './view-lineage';

/**
 * What each column of a result is: RowDescription's table OID and attribute
 * number resolved through the catalog (a view's column to the base columns
 * its definition computes it from, through views built on views), else the
 * statement's own lineage from analysis matched to the columns by position
 * (a `*` covering as many columns as its tables have; a view's column it
 * computes over followed the same way), else unknown (the value scan is
 * the backstop).
 */

/** Type categories (pg_type.typcategory) whose values hold no text: never scanned. */
const OPAQUE_CATEGORIES = new Set(['G', 'R', 'V', 'T', 'B', 'D', 'N', 'I', 'Z', 'P']);

/** The shape masks need of a column's type; extension types, domains and enums through the catalog. */
export function shapeOf(
  typeOid: number,
  typeModifier: number,
  catalog: CatalogCache | null,
  depth = 0,
): ColumnShape & { opaque?: boolean } {
  const shape = columnShapeOfPgType(typeOid, typeModifier);
  if (shape.type !== 'other' && !(shape.type === 'array' && shape.elementType === 'other')) return shape;
  const info = catalog?.type(typeOid);
  if (info === null || info === undefined || depth > 4) return shape;
  if (info.kind === 'd') return shapeOf(info.base, info.baseModifier, catalog, depth + 1);
  if (info.kind === 'e' || info.category === 'S') return { type: 'text' };
  // record[] is a pseudo-type (category P) but an array all the same: its elements are scanned.
  if ((info.category === 'A' || info.send === 'array_send') && info.element !== 0) {
    const element = shapeOf(info.element, -1, catalog, depth + 1);
    return { type: 'array', elementType: element.type };
  }
  if (OPAQUE_CATEGORIES.has(info.category)) return { type: 'other', opaque: true };
  return shape;
}

export function isBuiltInType(typeOid: number): boolean {
  const shape = columnShapeOfPgType(typeOid);
  return shape.type !== 'other' || typeOid === 142 || typeOid === 2249;
}

type Slot = OutputColumn | null;

/** Matches the statement's result columns (from analysis) to RowDescription's fields. */
export function align(
  fields: readonly RowField[],
  outputs: readonly OutputColumn[] | null,
  catalog: CatalogCache | null,
): Slot[] {
  const none = (): Slot[] => fields.map(() => null);
  if (outputs === null) return none();
  const stars = outputs.filter((o) => o.star !== undefined).length;
  if (stars === 0) return outputs.length === fields.length ? [...outputs] : none();
  const out: Slot[] = [];
  if (stars === 1) {
    const covered = fields.length - (outputs.length - 1);
    if (covered < 0) return none();
    for (const o of outputs) {
      if (o.star === undefined) out.push(o);
      else for (let k = 0; k < covered; k++) out.push(o);
    }
    return out;
  }
  // Several stars: each covers the run of fields from its tables, attribute numbers rising.
  let i = 0;
  for (const o of outputs) {
    if (o.star === undefined) {
      out.push(o);
      i++;
      continue;
    }
    let relation = 0;
    let attr = 0;
    while (i < fields.length) {
      const f = fields[i] as RowField;
      const rel = f.tableOid === 0 ? null : catalog?.relation(f.tableOid);
      if (rel === null || rel === undefined || !o.star.some((t) => sameTable(t, rel))) break;
      if (f.tableOid === relation && f.columnAttr <= attr) break;
      relation = f.tableOid;
      attr = f.columnAttr;
      out.push(o);
      i++;
    }
  }
  return out.length === fields.length ? out : none();
}

function sameTable(written: string, rel: RelationInfo): boolean {
  const bare = (t: string): string => t.slice(t.lastIndexOf('.') + 1);
  return written.includes('.') ? written === rel.qualified : bare(rel.qualified) === written;
}

function fromLineage(field: { readonly name: string }, shape: ColumnShape, o: OutputColumn): ResultColumn {
  if (o.star !== undefined) {
    const sources: SourceColumn[] = o.star.map((t) => ({ table: t, column: field.name }));
    if (sources.length === 1)
      return { table: o.star[0] ?? null, column: field.name, ...shape, lineage: 'direct' };
    if (sources.length > 1) return { table: null, column: field.name, ...shape, lineage: 'derived', sources };
    return o.sources.length > 0
      ? { table: null, column: field.name, ...shape, lineage: 'derived', sources: o.sources }
      : { table: null, column: field.name, ...shape, lineage: 'unknown' };
  }
  const only = o.sources.length === 1 ? o.sources[0] : undefined;
  if (o.lineage === 'direct' && only !== undefined)
    return { table: only.table, column: only.column, ...shape, lineage: 'direct' };
  if (o.lineage === 'row')
    return {
      table: o.sources[0]?.table ?? null,
      column: field.name,
      ...shape,
      lineage: 'row',
      sources: o.sources,
    };
  if (o.lineage === 'unknown' && o.sources.length === 0)
    return { table: null, column: field.name, ...shape, lineage: 'unknown' };
  const derived: ResultColumn = {
    table: null,
    column: field.name,
    ...shape,
    lineage: 'derived',
    sources: o.sources,
  };
  return o.transformed === true ? { ...derived, transformed: true } : derived;
}

/**
 * A column of a relation as masking sees it: a view's (or materialized
 * view's) as its definition computes it, through the views it reads; a
 * table's, or an untraced view's, as itself.
 */
export function relationColumn(
  rel: RelationInfo,
  attnum: number,
  attr: AttributeInfo,
  catalog: CatalogCache | null,
): ResultColumn {
  const shape = shapeOf(attr.typeOid, attr.typeModifier, catalog);
  const view = rel.viewOutputs?.[attnum - 1];
  if (view !== undefined && catalog !== null)
    return fromLineage(attr, shape, traceViewColumn(view, rel, catalog));
  return { table: rel.qualified, column: attr.name, ...shape, lineage: 'direct' };
}

/** One result column as masking sees it, and the composite type behind it (a whole row) when there is one. */
export interface ResolvedColumn {
  readonly column: ResultColumn;
  /** The column's type holds no text (geometry, ranges, bit strings...): nothing is scanned in it. */
  readonly opaque: boolean;
  /** A composite value of this relation (`SELECT u FROM users u`): its fields are masked as its columns. */
  readonly record: RelationInfo | null;
}

export function resolveColumns(
  fields: readonly RowField[],
  outputs: readonly OutputColumn[] | null,
  catalog: CatalogCache | null,
): ResolvedColumn[] {
  const slots = align(fields, outputs, catalog);
  return fields.map((field, i) => {
    const { opaque, ...shape } = shapeOf(field.typeOid, field.typeModifier, catalog);
    const type: TypeInfo | null | undefined = catalog?.type(field.typeOid);
    const record =
      type?.kind === 'c' && type.relation !== 0 ? (catalog?.relation(type.relation) ?? null) : null;
    const resolved = (column: ResultColumn): ResolvedColumn => ({ column, opaque: opaque === true, record });
    const rel = field.tableOid === 0 ? null : catalog?.relation(field.tableOid);
    const attr = rel?.attributes.get(field.columnAttr);
    if (rel && attr) {
      const view = rel.viewOutputs?.[field.columnAttr - 1];
      if (view !== undefined && catalog !== null)
        return resolved(fromLineage(field, shape, traceViewColumn(view, rel, catalog)));
      return resolved({ table: rel.qualified, column: attr.name, ...shape, lineage: 'direct' });
    }
    const slot = slots[i];
    if (slot !== null && slot !== undefined)
      return resolved(
        fromLineage(field, shape, catalog === null ? slot : traceStatementColumn(slot, catalog)),
      );
    return resolved({ table: null, column: field.name, ...shape, lineage: 'unknown' });
  });
}

/** One field of a whole-row value, as masking sees it. */
export interface RowFieldColumn {
  readonly name: string;
  readonly column: ResultColumn;
}

/**
 * The fields of a whole-row value as the engine masks them: a record's as
 * its relation's columns (a view's as its definition computes them), a row
 * serialised as JSON by the keys its relation has, each followed as the
 * JSON masker follows it. Empty when the relation is not known.
 */
export function rowFields(rc: ResolvedColumn, catalog: CatalogCache): RowFieldColumn[] {
  if (rc.record !== null) {
    const rel = rc.record;
    return [...rel.attributes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([n, a]) => ({ name: a.name, column: relationColumn(rel, n, a, catalog) }));
  }
  const table = rc.column.sources?.[0]?.table ?? null;
  if (rc.column.lineage !== 'row' || table === null) return [];
  const names = new Set<string>();
  for (const r of catalog.named(table) ?? []) {
    const rel = catalog.relation(r.oid);
    for (const [, a] of [...(rel?.attributes.entries() ?? [])].sort((x, y) => x[0] - y[0])) names.add(a.name);
  }
  const keys = rowKeyLineage(rc.column, catalog);
  return [...names].map((name) => {
    const lineage = keys(name);
    const column: ResultColumn = {
      table: null,
      column: name,
      type: 'text',
      lineage: 'derived',
      sources: lineage?.sources ?? [],
      ...(lineage?.transformed === true ? { transformed: true } : {}),
    };
    return { name, column };
  });
}
