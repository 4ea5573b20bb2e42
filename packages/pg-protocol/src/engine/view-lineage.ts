import {
  throughViews,
  type OutputColumn,
  type ResultColumn,
  type RowKeys,
  type SourceColumn,
  type ViewColumns,
  type ViewDefinition,
} from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { CatalogCache, RelationInfo } from './catalog-cache';
import { resolvePositions, type RelationsNamed } from './positional-columns';

/**
 * Result columns followed through views built on views, with the catalog:
 * a view's definition names the views it reads as the catalog connection
 * resolved them (pg_depend of its rewrite rule, RelationInfo.viewNames).
 * A name the statement writes stands for any relation of that name the
 * session's search_path could find (the gateway does not know that path):
 * one is followed as it is, several as any of them. A name the catalog does
 * not know (a view made in the session's open transaction) is not followed:
 * the column keeps its view's own name, as untraced lineage does.
 */

/** Relation names a statement's lineage may use, looked up at most this many per result. */
const MAX_NAMES = 64;

/** A view as throughViews follows it: its columns' lineage and how its own definition's names resolve. */
function viewOf(catalog: CatalogCache, oid: number): ViewDefinition | null {
  const rel = catalog.relation(oid);
  if (rel === null || rel === undefined || rel.viewOutputs === null) return null;
  const relations = definitionRelations(catalog, rel);
  return {
    columns: rel.viewOutputs.map((c) => resolvePositions(c, relations)),
    names: definitionNames(catalog, rel),
  };
}

/** The relation a name in a view's definition stands for (any kind), for columns its alias lists rename. */
function definitionRelations(catalog: CatalogCache, rel: RelationInfo): RelationsNamed {
  return (table) => {
    const oid = rel.relationNames?.get(table);
    const found = oid === null || oid === undefined ? null : catalog.relation(oid);
    return found === null || found === undefined ? null : [found];
  };
}

/** Every relation a name the statement writes may stand for, all loaded (else null: not resolved). */
function statementRelations(catalog: CatalogCache): RelationsNamed {
  return (table) => {
    const out: RelationInfo[] = [];
    for (const r of catalog.named(table) ?? []) {
      const rel = catalog.relation(r.oid);
      if (rel === null || rel === undefined) return null;
      out.push(rel);
    }
    return out.length === 0 ? null : out;
  };
}

function definitionNames(catalog: CatalogCache, rel: RelationInfo): ViewColumns {
  return (table) => {
    const oid = rel.viewNames?.get(table);
    return oid === null || oid === undefined ? null : viewOf(catalog, oid);
  };
}

/** A column of view `rel` (its definition's lineage), followed through the views that definition reads. */
export function traceViewColumn(
  column: OutputColumn,
  rel: RelationInfo,
  catalog: CatalogCache,
): OutputColumn {
  const resolved = resolvePositions(column, definitionRelations(catalog, rel));
  return throughViews([resolved], definitionNames(catalog, rel))[0] ?? resolved;
}

/** A result column of the statement (its lineage from analysis), followed through the views it reads. */
export function traceStatementColumn(column: OutputColumn, catalog: CatalogCache): OutputColumn {
  const names: ViewColumns = (table) => {
    const found = catalog.named(table) ?? [];
    if (found.length === 0) return null;
    if (found.length === 1) return found[0]?.view === true ? viewOf(catalog, found[0].oid) : null;
    return anyOf(
      table,
      found.map((r) => (r.view ? viewOf(catalog, r.oid) : null)),
    );
  };
  const resolved = resolvePositions(column, statementRelations(catalog));
  return throughViews([resolved], names)[0] ?? resolved;
}

/**
 * Relations of one name in several schemas (the session's search_path picks
 * one): each column is what any of them makes it. Where they differ it is
 * computed from all their sources and redacted whole if one is sensitive;
 * one that is not a traced view (a table) contributes the column itself.
 */
function anyOf(table: string, candidates: readonly (ViewDefinition | null)[]): ViewDefinition {
  const traced = candidates.map((v) =>
    v === null ? null : throughViews(v.columns, v.names ?? (() => null)),
  );
  const plain = traced.includes(null);
  const byName = new Map<string, OutputColumn[]>();
  for (const columns of traced) {
    for (const c of columns ?? []) {
      const list = byName.get(c.name) ?? [];
      byName.set(c.name, [...list, c]);
    }
  }
  const columns: OutputColumn[] = [];
  for (const [name, versions] of byName) {
    const first = versions[0] as OutputColumn;
    const same = !plain && versions.length === traced.length && versions.every((v) => sameLineage(v, first));
    if (same) {
      columns.push(first);
      continue;
    }
    const sources: SourceColumn[] = [];
    for (const s of [...versions.flatMap((v) => v.sources), ...(plain ? [{ table, column: name }] : [])])
      if (!sources.some((x) => x.table === s.table && x.column === s.column)) sources.push(s);
    columns.push({ name, lineage: 'derived', sources, transformed: true });
  }
  // Already followed: nothing in these columns is looked up again.
  return { columns, names: () => null };
}

function sameLineage(a: OutputColumn, b: OutputColumn): boolean {
  return (
    a.lineage === b.lineage &&
    a.transformed === b.transformed &&
    a.sources.length === b.sources.length &&
    a.sources.every((s, i) => s.table === b.sources[i]?.table && s.column === b.sources[i]?.column)
  );
}

/**
 * The lineage of each key of a whole row serialised as JSON (`row_to_json(v)`):
 * the column of that name of the row's relation, followed through views
 * as a result column is. Without a catalog, or for a table, it is that
 * column itself.
 */
export function rowKeyLineage(column: ResultColumn, catalog: CatalogCache | null): RowKeys {
  const tables = (column.sources ?? []).flatMap((s) => (s.table === null ? [] : [s.table]));
  return (key) => {
    if (tables.length === 0) return null;
    const own: OutputColumn = {
      name: key,
      lineage: 'direct',
      sources: tables.map((table) => ({ table, column: key })),
    };
    const traced = catalog === null ? own : traceStatementColumn(own, catalog);
    return traced.transformed === true
      ? { sources: traced.sources, transformed: true }
      : { sources: traced.sources };
  };
}

/** Relation names a statement's lineage uses, and those of them it names columns of by position. */
export interface LineageNames {
  readonly names: readonly string[];
  /** Every relation these stand for must be loaded (tables too): an alias list renames their columns. */
  readonly positional: ReadonlySet<string>;
}

/**
 * The relation names a statement's lineage uses for columns RowDescription
 * does not name (computed columns, UNION branches, whole rows as JSON):
 * only those can be a view's columns the catalog does not already follow,
 * or a relation's columns renamed by an alias list. The first MAX_NAMES,
 * always the same ones for the same statement.
 */
export function lineageNames(
  fields: readonly RowField[],
  outputs: readonly OutputColumn[] | null,
): LineageNames {
  const names = new Set<string>();
  const positional = new Set<string>();
  if (outputs === null) return { names: [], positional };
  const aligned = outputs.length === fields.length && outputs.every((o) => o.star === undefined);
  outputs.forEach((o, i) => {
    if (o.star !== undefined || (aligned && fields[i]?.tableOid !== 0)) return;
    for (const s of o.sources) {
      if (names.size >= MAX_NAMES) return;
      if (s.table === null) continue;
      names.add(s.table);
      if (s.position !== undefined) positional.add(s.table);
    }
  });
  return { names: [...names], positional };
}
