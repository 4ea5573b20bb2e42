import type { OutputColumn, SourceColumn } from '../data-flow';

/** The lineage of one expression while it is being traced. `none`: no column contributes (a constant). */
export interface Flow {
  readonly kind: 'none' | 'direct' | 'derived' | 'row' | 'unknown';
  readonly sources: readonly SourceColumn[];
  /** Computed by something that changes how the value is written (translate, encode, md5): format-keeping masks no longer fit. */
  readonly transformed?: boolean;
}

export const NONE: Flow = Object.freeze({ kind: 'none', sources: Object.freeze([]) });
export const UNKNOWN: Flow = Object.freeze({ kind: 'unknown', sources: Object.freeze([]) });

/** Every part's sources, as one computed value: derived when any column contributes. */
export function combine(parts: readonly Flow[]): Flow {
  const sources: SourceColumn[] = [];
  let unknown = false;
  let transformed = false;
  for (const p of parts) {
    if (p.kind === 'unknown') unknown = true;
    if (p.transformed === true && p.sources.length > 0) transformed = true;
    for (const s of p.sources) {
      if (!sources.some((x) => sameSource(x, s))) sources.push(s);
    }
  }
  if (sources.length > 0)
    return transformed ? { kind: 'derived', sources, transformed } : { kind: 'derived', sources };
  return unknown ? UNKNOWN : NONE;
}

/** The same column of the same table (a positional one by its position). */
export function sameSource(a: SourceColumn, b: SourceColumn): boolean {
  return a.table === b.table && a.column === b.column && a.position === b.position;
}

/** A value that keeps what its input is (a cast, a collation, a parenthesis): direct stays direct. */
export function derived(flow: Flow): Flow {
  return flow.kind === 'direct' || flow.kind === 'row' ? { kind: 'derived', sources: flow.sources } : flow;
}

/** The same sources, written differently. */
export function transformed(flow: Flow): Flow {
  return flow.sources.length === 0 ? flow : { kind: 'derived', sources: flow.sources, transformed: true };
}

export function fromOutput(o: OutputColumn): Flow {
  if (o.star !== undefined) {
    const sources = o.star.map((t) => ({ table: t, column: '*' }));
    return sources.length > 0
      ? { kind: 'derived', sources: [...sources, ...o.sources] }
      : combine([UNKNOWN, { kind: 'derived', sources: o.sources }]);
  }
  const kind = o.lineage === 'unknown' ? 'unknown' : o.lineage;
  return o.transformed === true
    ? { kind, sources: o.sources, transformed: true }
    : { kind, sources: o.sources };
}

/** A FROM item as column references see it. */
export interface ScopeItem {
  /** The name it is referred to by: its alias, else the relation's name. */
  readonly name: string;
  readonly kind: 'relation' | 'query' | 'function' | 'join';
  /** relation: `schema.table` as written, or `table`. */
  readonly table?: string;
  /** query (subquery, CTE, VALUES): its result columns; null when not traced. */
  readonly outputs?: readonly OutputColumn[] | null;
  /** function: what its arguments carry (every column it returns is computed from them). */
  readonly flow?: Flow;
  /** function, relation: its column names, when an alias lists them (`jsonb_each(x) j(k, v)`, `users u(a, b)`). */
  readonly columns?: readonly string[];
  /** join: the items an aliased join covers. */
  readonly members?: readonly ScopeItem[];
  /** Reachable only qualified (the target's alias in ON CONFLICT's `excluded`, RETURNING's old/new). */
  readonly qualifiedOnly?: boolean;
}

/**
 * Name resolution for lineage: FROM items by visible name, with the outputs of
 * subqueries and CTEs, so a reference to `s.e` in `(SELECT lower(email) AS e
 * FROM users) s` is known to come from users.email.
 */
export class LineageScope {
  readonly parent: LineageScope | null;
  readonly items: ScopeItem[] = [];
  #ctes: Map<string, readonly OutputColumn[] | null> | null = null;

  constructor(parent: LineageScope | null) {
    this.parent = parent;
  }

  addCte(name: string, outputs: readonly OutputColumn[] | null): void {
    (this.#ctes ??= new Map()).set(name, outputs);
  }

  /** A CTE of that name visible here: its outputs (null: not traced); undefined: no such CTE. */
  cte(name: string): readonly OutputColumn[] | null | undefined {
    const own = this.#ctes?.get(name);
    if (own !== undefined || this.#ctes?.has(name)) return own ?? null;
    return this.parent === null ? undefined : this.parent.cte(name);
  }

  add(item: ScopeItem): void {
    this.items.push(item);
  }

  /** `[col]`, `[q, col]`, `[schema, table, col]`, `[db, schema, table, col]`; the last field may be `*`. */
  column(fields: readonly string[]): Flow {
    const column = fields[fields.length - 1] ?? '';
    if (fields.length >= 3) {
      return {
        kind: 'direct',
        sources: [{ table: `${fields[fields.length - 3]}.${fields[fields.length - 2]}`, column }],
      };
    }
    if (fields.length === 2) {
      const item = this.find(fields[0] ?? '');
      return item === null ? UNKNOWN : itemColumn(item, column);
    }
    return this.#unqualified(column);
  }

  /** The FROM item a qualifier or a whole-row reference names, here or in an enclosing query. */
  find(name: string): ScopeItem | null {
    for (const item of this.items) if (item.name === name) return item;
    return this.parent === null ? null : this.parent.find(name);
  }

  /** The unqualified name of a FROM item with no column of that name: a whole-row reference. */
  wholeRow(name: string): ScopeItem | null {
    for (const item of this.items) {
      if (item.qualifiedOnly) continue;
      if (item.kind === 'query' && item.outputs?.some((o) => o.name === name)) return null;
    }
    for (const item of this.items) if (item.name === name && item.kind !== 'join') return item;
    return this.parent === null ? null : this.parent.wholeRow(name);
  }

  /** Unqualified: a traced subquery that has the column wins; else every table here may own it. */
  #unqualified(column: string): Flow {
    const visible = this.items.filter((i) => !i.qualifiedOnly && i.kind !== 'join');
    if (visible.length === 0) return this.parent === null ? UNKNOWN : this.parent.#unqualified(column);
    for (const item of visible) {
      if (item.kind === 'query' && item.outputs?.some((o) => o.name === column))
        return itemColumn(item, column);
      if ((item.kind === 'function' || item.kind === 'relation') && item.columns?.includes(column))
        return itemColumn(item, column);
    }
    const parts = visible.map((i) => itemColumn(i, column));
    if (parts.length === 1) return parts[0] as Flow;
    const all = combine(parts);
    // One of them owns it: a plain reference still (direct), though analysis cannot say which.
    return parts.every((p) => p.kind === 'direct') ? { kind: 'direct', sources: all.sources } : all;
  }
}

/** A column of one FROM item; `*` is the item's whole row. */
export function itemColumn(item: ScopeItem, column: string): Flow {
  switch (item.kind) {
    case 'relation': {
      // `users u(a, b)`: `a` is the table's first column (whatever its name), a column past
      // the list keeps its own name. Which column is first is the catalog's to say.
      const k = column === '*' ? -1 : (item.columns?.indexOf(column) ?? -1);
      if (k >= 0)
        return { kind: 'direct', sources: [{ table: item.table ?? null, column: '*', position: k + 1 }] };
      return { kind: column === '*' ? 'row' : 'direct', sources: [{ table: item.table ?? null, column }] };
    }
    case 'query': {
      if (item.outputs === null || item.outputs === undefined) return UNKNOWN;
      if (column === '*') return rowOf(item);
      const o = item.outputs.find((x) => x.name === column);
      if (o !== undefined) return fromOutput(o);
      // A column of a `*` inside the subquery: one of the star's tables has it.
      const stars = item.outputs.filter((x) => x.star !== undefined);
      if (stars.length === 0) return UNKNOWN;
      const sources = stars.flatMap((s) => (s.star ?? []).map((t) => ({ table: t, column })));
      return sources.length > 0 ? { kind: 'direct', sources } : UNKNOWN;
    }
    case 'function':
      // Every column a function returns is computed from its arguments.
      return item.flow !== undefined && item.flow.sources.length > 0
        ? { kind: 'derived', sources: item.flow.sources }
        : UNKNOWN;
    case 'join': {
      const parts = (item.members ?? []).map((m) => itemColumn(m, column));
      const all = combine(parts);
      return parts.every((p) => p.kind === 'direct') && all.sources.length > 0
        ? { kind: 'direct', sources: all.sources }
        : all;
    }
  }
}

/** The whole row of a FROM item: a table's row, or everything a subquery's columns come from. */
export function rowOf(item: ScopeItem): Flow {
  if (item.kind === 'relation') return { kind: 'row', sources: [{ table: item.table ?? null, column: '*' }] };
  if (item.kind === 'query') {
    if (item.outputs === null || item.outputs === undefined) return UNKNOWN;
    return combine(item.outputs.map(fromOutput));
  }
  if (item.kind === 'join') return combine((item.members ?? []).map(rowOf));
  return item.flow ?? UNKNOWN;
}
