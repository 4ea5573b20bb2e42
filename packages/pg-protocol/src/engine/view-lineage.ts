import {
  throughViews,
  type OutputColumn,
  type SourceColumn,
  type ViewColumns,
  type ViewDefinition,
} from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { CatalogCache, RelationInfo } from './catalog-cache';

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
  return { columns: rel.viewOutputs, names: definitionNames(catalog, rel) };
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
  return throughViews([column], definitionNames(catalog, rel))[0] ?? column;
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
  return throughViews([column], names)[0] ?? column;
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
 * The relation names a statement's lineage uses for columns RowDescription
 * does not name (computed columns, UNION branches): only those can be a
 * view's columns the catalog does not already follow. The first MAX_NAMES,
 * always the same ones for the same statement.
 */
export function lineageNames(fields: readonly RowField[], outputs: readonly OutputColumn[] | null): string[] {
  if (outputs === null) return [];
  const aligned = outputs.length === fields.length && outputs.every((o) => o.star === undefined);
  const names = new Set<string>();
  outputs.forEach((o, i) => {
    if (o.star !== undefined || (aligned && fields[i]?.tableOid !== 0)) return;
    // Whole rows kept as rows are masked by their keys; a value computed from a row (`v::text`) is followed.
    if (o.lineage === 'row') return;
    for (const s of o.sources) {
      if (names.size >= MAX_NAMES) return;
      if (s.table !== null) names.add(s.table);
    }
  });
  return [...names];
}
