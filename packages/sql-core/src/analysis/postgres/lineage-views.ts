import type { OutputColumn, OutputLineage, SourceColumn } from '../data-flow';

/**
 * The result columns of a view, by the name a lineage source gives its table
 * (`schema.view` or `view`, as the definition or statement wrote it); null or
 * undefined when that table is not a view (or not known to be one).
 */
export type ViewColumns = (table: string) => readonly OutputColumn[] | null | undefined;

/** Views within views followed at most this deep (a view cannot refer to itself, but a lookup could loop). */
const MAX_DEPTH = 8;

/**
 * Result columns whose sources are columns of views, followed through those
 * views to what they are computed from: in `v2 AS SELECT who AS handle FROM
 * v1` over `v1 AS SELECT lower(name) AS who FROM users`, `handle` comes from
 * `users.name` (derived), not from a column named `who`. A source the lookup
 * does not know as a view, a view column that is not traced, and whole rows
 * (`v.*`) stay as they are (classified by their own names, scanned as
 * unknown lineage would be).
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
    const inner = viewColumn(s, views, seen);
    if (inner === null) {
      add(sources, s);
      continue;
    }
    const key = `${s.table ?? ''}\u0000${s.column}`;
    const traced = follow(inner, views, new Set([...seen, key]), depth - 1);
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

/** The view column a source names, or null when its table is not a view the lookup knows. */
function viewColumn(s: SourceColumn, views: ViewColumns, seen: ReadonlySet<string>): OutputColumn | null {
  if (s.table === null || s.column === '*') return null;
  if (seen.has(`${s.table}\u0000${s.column}`)) return null;
  const columns = views(s.table);
  if (columns === null || columns === undefined) return null;
  const found =
    columns.find((c) => c.name === s.column) ??
    columns.find((c) => c.name.toLowerCase() === s.column.toLowerCase());
  return found === undefined || found.star !== undefined ? null : found;
}

/** A plain reference to a view column is what that column is; anything computed from one stays computed. */
function compose(outer: OutputLineage, inner: OutputLineage): OutputLineage {
  return outer === 'direct' ? inner : outer;
}

function add(sources: SourceColumn[], s: SourceColumn): void {
  if (!sources.some((x) => x.table === s.table && x.column === s.column)) sources.push(s);
}
