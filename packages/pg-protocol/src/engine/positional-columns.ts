import type { OutputColumn, SourceColumn } from '@gatehouse/sql-core';
import type { RelationInfo } from './catalog-queries';

/**
 * Columns an alias list renames (`users x(a, b, c)`: `c` is the third
 * column of users, whatever its name) resolved by the catalog: analysis
 * marks them by position (SourceColumn.position), the relation's
 * attributes say which column that is. A relation's columns are counted
 * as an alias list counts them: by attribute number, dropped ones left out
 * (the catalog lists none).
 */

/**
 * Every relation a name may stand for, loaded; null when the name is not
 * known or one of them is not loaded (the position then stays unresolved).
 */
export type RelationsNamed = (table: string) => readonly RelationInfo[] | null;

/** The name of column `position` (1-based) of a relation, or undefined when it has fewer columns. */
export function columnAt(rel: RelationInfo, position: number): string | undefined {
  const numbers = [...rel.attributes.keys()].sort((a, b) => a - b);
  const attnum = numbers[position - 1];
  return attnum === undefined ? undefined : rel.attributes.get(attnum)?.name;
}

/**
 * A column's positional sources replaced by the columns they name. Where
 * the relations a name may stand for disagree (schemas on the search_path
 * with different columns at that position), the value is computed from all
 * of them and redacted whole if one is sensitive. A position no relation
 * resolves stays as it is (any column of the row: scanned, as before).
 */
export function resolvePositions(column: OutputColumn, relations: RelationsNamed): OutputColumn {
  if (!column.sources.some((s) => s.position !== undefined)) return column;
  const sources: SourceColumn[] = [];
  let ambiguous = false;
  for (const s of column.sources) {
    const found = s.position === undefined || s.table === null ? null : relations(s.table);
    const names = new Set<string>();
    for (const rel of found ?? []) {
      const name = columnAt(rel, s.position ?? 0);
      if (name !== undefined) names.add(name);
    }
    if (names.size === 0) {
      add(sources, s);
      continue;
    }
    if (names.size > 1) ambiguous = true;
    for (const name of names) add(sources, { table: s.table, column: name });
  }
  if (!ambiguous) {
    const out: OutputColumn = { ...column, sources };
    return out;
  }
  return { name: column.name, lineage: 'derived', sources, transformed: true };
}

function add(sources: SourceColumn[], s: SourceColumn): void {
  if (!sources.some((x) => x.table === s.table && x.column === s.column && x.position === s.position))
    sources.push(s);
}

/** Whether a column names a relation's column by position (the relation must be loaded to resolve it). */
export function hasPositions(column: OutputColumn): boolean {
  return column.sources.some((s) => s.position !== undefined);
}
