import type { TableRef } from '../statement-facts';

/** One FROM item as a column qualifier sees it: its alias (or table name) and the table behind it, if any. */
interface Source {
  readonly name: string;
  readonly table: TableRef | null;
  /** Only reachable qualified (`excluded.col` in ON CONFLICT). */
  readonly qualifiedOnly: boolean;
}

/**
 * Name resolution for one query level. CTE names are visible to the query that defines them and
 * to everything nested in it; FROM items (by alias when there is one, else by table name) are
 * visible to the query's clauses and, for correlated subqueries, to nested queries.
 */
export class Scope {
  readonly parent: Scope | null;
  #ctes: Set<string> | null = null;
  readonly #sources: Source[] = [];

  constructor(parent: Scope | null) {
    this.parent = parent;
  }

  addCte(name: string): void {
    (this.#ctes ??= new Set()).add(name);
  }

  /** An unqualified relation name refers to a CTE when one of that name is visible (PostgreSQL checks CTEs first). */
  isCte(name: string): boolean {
    return this.#ctes?.has(name) === true || (this.parent !== null && this.parent.isCte(name));
  }

  addSource(name: string, table: TableRef | null, qualifiedOnly = false): void {
    this.#sources.push({ name, table, qualifiedOnly });
  }

  /**
   * The table a column reference belongs to: `[col]`, `[qualifier, col]`, `[schema, table, col]`
   * or `[db, schema, table, col]` (the last field is the column or `*`). Null when unqualified
   * and ambiguous, or when the qualifier names a subquery, CTE or function.
   */
  resolve(fields: readonly string[]): TableRef | null {
    if (fields.length >= 3) {
      const name = fields[fields.length - 2] ?? '';
      const schema = fields[fields.length - 3] ?? null;
      return { schema, name };
    }
    if (fields.length === 2) return this.#qualified(fields[0] ?? '');
    return this.#unqualified();
  }

  #qualified(qualifier: string): TableRef | null {
    for (const src of this.#sources) if (src.name === qualifier) return src.table;
    return this.parent === null ? null : this.parent.#qualified(qualifier);
  }

  /** Unqualified: the innermost level that has FROM items decides; exactly one item means that item. */
  #unqualified(): TableRef | null {
    let only: Source | null = null;
    let count = 0;
    for (const src of this.#sources) {
      if (src.qualifiedOnly) continue;
      only = src;
      count++;
    }
    if (count === 0) return this.parent === null ? null : this.parent.#unqualified();
    return count === 1 && only !== null ? only.table : null;
  }
}
