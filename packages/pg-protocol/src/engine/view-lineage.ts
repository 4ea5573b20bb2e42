import { throughViews, type OutputColumn, type ViewColumns, type ViewDefinition } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import type { CatalogCache, RelationInfo } from './catalog-cache';

/**
 * Result columns followed through views built on views, with the catalog:
 * a view's definition names the views it reads as the catalog connection
 * resolved them (pg_depend of its rewrite rule, RelationInfo.viewNames);
 * a statement's own names are resolved on the catalog connection too, so
 * they follow that connection's search_path, not a `SET search_path` the
 * session made. A name the catalog cannot tie to exactly one view is not
 * followed: the column keeps its view's own name, as untraced lineage does.
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
    const oid = catalog.named(table);
    return oid === null || oid === undefined ? null : viewOf(catalog, oid);
  };
  return throughViews([column], names)[0] ?? column;
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
    for (const s of o.sources) {
      if (names.size >= MAX_NAMES) return;
      if (s.table !== null && s.column !== '*') names.add(s.table);
    }
  });
  return [...names];
}
