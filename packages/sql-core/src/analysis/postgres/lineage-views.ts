import type { OutputColumn, OutputLineage, SourceColumn } from '../data-flow';
import { sameSource } from './lineage-scope';

/**
 * A view's result columns, traced from its definition, and how the table
 * names that definition writes resolve: names in a view's definition mean
 * what they meant where the view was made (its own dependencies), not what
 * they mean to the statement reading the view.
 */
export interface ViewDefinition {
  readonly columns: readonly OutputColumn[];
  /** The views the definition's own sources name; absent: resolved as the reader's names are. */
  readonly names?: ViewColumns;
}

/**
 * The result columns of a view, by the name a lineage source gives its table
 * (`schema.view` or `view`, as the definition or statement wrote it); null or
 * undefined when that table is not a view (or not known to be one).
 */
export type ViewColumns = (table: string) => readonly OutputColumn[] | ViewDefinition | null | undefined;

/** Views within views followed at most this deep (a view cannot refer to itself, but a lookup could loop). */
const MAX_DEPTH = 8;

/**
 * Result columns whose sources are columns of views, followed through those
 * views to what they are computed from: in `v2 AS SELECT who AS handle FROM
 * v1` over `v1 AS SELECT lower(name) AS who FROM users`, `handle` comes from
 * `users.name` (derived), not from a column named `who`. A value computed
 * from a view's whole row (`v::text`, or `v(a, b)` renaming the view's
 * columns) is computed from all of its columns, and redacted whole when
 * one of them is sensitive. A source the lookup does not know as a view, a
 * view column that is not traced, and whole rows kept as rows
 * (`row_to_json(v)`, `SELECT v`) stay as they are (classified by their own
 * names, scanned as unknown lineage would be).
 */
export function throughViews(outputs: readonly OutputColumn[], views: ViewColumns): OutputColumn[] {
  return outputs.map((o) => follow(o, views, new Set(), MAX_DEPTH));
}

function follow(o: OutputColumn, views: ViewColumns, seen: ReadonlySet<string>, depth: number): OutputColumn {
  if (o.star !== undefined || depth === 0) return o;
  const sources: SourceColumn[] = [];
  let lineage: OutputLineage = o.lineage;
  let transformed = o.transformed === true;
  let changed = false;
  for (const s of o.sources) {
    if (s.column === '*') {
      // Computed from a view's row (`v::text`, `v(a, b)` renaming its columns): from any of its columns.
      const whole = o.lineage === 'row' ? null : wholeView(s, views, seen, depth);
      if (whole === null) add(sources, s);
      else {
        changed = true;
        // Which column a value holds is not known: a mask that keeps one column's format does not fit.
        transformed = true;
        lineage = 'derived';
        for (const t of whole) add(sources, t);
      }
      continue;
    }
    const inner = viewColumn(s, views, seen);
    if (inner === null) {
      add(sources, s);
      continue;
    }
    const key = `${s.table ?? ''}\u0000${s.column}`;
    const traced = follow(inner.column, inner.names, new Set([...seen, key]), depth - 1);
    // An untraced view column is all there is to go on: its own name.
    if (traced.lineage === 'unknown' && traced.sources.length === 0) {
      add(sources, s);
      continue;
    }
    changed = true;
    for (const t of traced.sources) add(sources, t);
    if (traced.transformed === true) transformed = true;
    lineage = compose(lineage, traced.lineage);
  }
  if (!changed) return o;
  const out: OutputColumn = { name: o.name, lineage, sources };
  return transformed ? { ...out, transformed: true } : out;
}

/**
 * Every column of the view a `*` source names, each followed through the
 * view and kept under its own name too; null when the table is not a view
 * the lookup knows, or one whose columns it cannot list.
 */
function wholeView(
  s: SourceColumn,
  views: ViewColumns,
  seen: ReadonlySet<string>,
  depth: number,
): SourceColumn[] | null {
  if (s.table === null || seen.has(`${s.table}\u0000*`)) return null;
  const view = views(s.table);
  if (view === null || view === undefined) return null;
  const columns = 'columns' in view ? view.columns : view;
  if (columns.length === 0 || columns.some((c) => c.star !== undefined)) return null;
  const names = ('columns' in view ? view.names : undefined) ?? views;
  const inside = new Set([...seen, `${s.table}\u0000*`]);
  const out: SourceColumn[] = [];
  for (const c of columns) {
    for (const t of follow(c, names, inside, depth - 1).sources) add(out, t);
    add(out, { table: s.table, column: c.name });
  }
  return out;
}

/** The view column a source names (and how its definition's names resolve), or null when its table is not a view the lookup knows. */
function viewColumn(
  s: SourceColumn,
  views: ViewColumns,
  seen: ReadonlySet<string>,
): { column: OutputColumn; names: ViewColumns } | null {
  if (s.table === null || s.column === '*') return null;
  if (seen.has(`${s.table}\u0000${s.column}`)) return null;
  const view = views(s.table);
  if (view === null || view === undefined) return null;
  const columns = 'columns' in view ? view.columns : view;
  const found =
    columns.find((c) => c.name === s.column) ??
    columns.find((c) => c.name.toLowerCase() === s.column.toLowerCase());
  if (found === undefined || found.star !== undefined) return null;
  return { column: found, names: ('columns' in view ? view.names : undefined) ?? views };
}

/** A plain reference to a view column is what that column is; anything computed from one stays computed. */
function compose(outer: OutputLineage, inner: OutputLineage): OutputLineage {
  return outer === 'direct' ? inner : outer;
}

function add(sources: SourceColumn[], s: SourceColumn): void {
  if (!sources.some((x) => sameSource(x, s))) sources.push(s);
}
