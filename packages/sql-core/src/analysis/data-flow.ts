/**
 * Where the values of a statement come from and where they go: the lineage of
 * each result column and the flows masking must watch (values stored into
 * columns, passed to functions, or used where they can act as oracles).
 * Dialect-neutral; PostgreSQL's is built by `analysePostgresDataFlow`.
 */

/** A table column a value comes from, as the statement names it (`public.users` or `users`). */
export interface SourceColumn {
  /** Schema-qualified when the statement qualified it; null when it could not be resolved to a table. */
  readonly table: string | null;
  /** Column name, or `*` for a whole row of `table`. */
  readonly column: string;
  /**
   * With `column` `*`: the value is column number `position` (1-based, dropped columns not
   * counted) of `table`, renamed by an alias list (`users x(a, b)`): analysis does not know the
   * table's columns, the engine finds its name in the catalog. Unresolved, it stays any column
   * of the row.
   */
  readonly position?: number;
}

/** How a result column's values relate to its sources (the masking core's `Lineage`). */
export const OutputLineage = {
  /** A plain column reference (several sources: one of them, analysis could not tell which). */
  direct: 'direct',
  /** Computed from the sources (functions, operators, aggregates, UNION branches). */
  derived: 'derived',
  /** A whole row of `sources[0].table` (`row_to_json(u)`, `json_agg(u)`, `SELECT u FROM users u`). */
  row: 'row',
  /** Not traced (a set-returning function, something analysis does not follow). */
  unknown: 'unknown',
} as const;
export type OutputLineage = (typeof OutputLineage)[keyof typeof OutputLineage];

/** One result column (or, for `star`, a run of them) of a statement. */
export interface OutputColumn {
  /** The column name the server gives it (`?column?` when it makes one up). */
  readonly name: string;
  readonly lineage: OutputLineage;
  readonly sources: readonly SourceColumn[];
  /**
   * Set for `*` / `t.*` over these tables: as many result columns as the tables have, which
   * analysis cannot know (the engine finds them in the result's metadata). Each is a column of
   * one of these tables.
   */
  readonly star?: readonly string[];
  /**
   * Computed by something that rewrites how values are written (translate, encode, reverse,
   * a hash, arithmetic): a mask that keeps the format of the source's values no longer hides
   * them, so the value is redacted whole.
   */
  readonly transformed?: boolean;
}

/** Where a column is used, for strict masking. */
export const UseClause = {
  output: 'output',
  predicate: 'predicate',
  ordering: 'ordering',
  grouping: 'grouping',
  assignment: 'assignment',
  other: 'other',
} as const;
export type UseClause = (typeof UseClause)[keyof typeof UseClause];

/** Expressions whose result tells something about a value without showing it (a cast error, a CASE branch, a division by zero). */
export const OracleKind = {
  cast: 'cast',
  case: 'case',
  arithmetic: 'arithmetic',
  comparison: 'comparison',
  function: 'function',
} as const;
export type OracleKind = (typeof OracleKind)[keyof typeof OracleKind];

/** One reference to a column. */
export interface ColumnFlowUse {
  readonly source: SourceColumn;
  readonly clause: UseClause;
  /** The innermost expression around the reference that can act as an oracle; absent when there is none. */
  readonly oracle?: OracleKind;
  /** For `function` oracles: the function's name. */
  readonly detail?: string;
}

/** Values written into a stored column (UPDATE SET, INSERT, CREATE TABLE AS, SELECT INTO, COPY TO a file). */
export interface StoredFlow {
  /** The destination table; null for a server file or program. */
  readonly table: string | null;
  /** The destination column; null when the statement does not name it (INSERT without a column list). */
  readonly column: string | null;
  readonly sources: readonly SourceColumn[];
  /** String constants written there (to catch masked placeholders written back). */
  readonly literals: readonly string[];
}

/** A function called with values from columns. */
export interface CallFlow {
  /** As written, lower-case, schema-qualified when written so. */
  readonly name: string;
  readonly sources: readonly SourceColumn[];
}

/** COPY ... TO STDOUT: how its rows are written (options as the statement gives them). */
export interface CopyFormat {
  readonly format: 'text' | 'csv' | 'binary';
  readonly delimiter: string;
  readonly null: string;
  readonly quote: string;
  readonly escape: string;
  readonly header: boolean;
  /** A query returning the rows COPY writes (for the engine to learn their types); null when it could not be written. */
  readonly query: string | null;
}

/** What masking needs to know about one statement. */
export interface StatementDataFlow {
  /** Result columns; null when the statement returns none or they could not be traced. */
  readonly outputs: readonly OutputColumn[] | null;
  /** DECLARE name: `outputs` are the cursor's, for its FETCHes. */
  readonly declares?: string;
  /** DECLARE ... BINARY CURSOR. */
  readonly binaryCursor?: boolean;
  /** FETCH name: the rows are the cursor's. */
  readonly fetches?: string;
  /** CLOSE name (`*` for CLOSE ALL). */
  readonly closes?: string;
  /** SQL-level PREPARE name: `outputs` are the prepared query's. */
  readonly prepares?: string;
  /** SQL-level EXECUTE name: the rows are the prepared query's. */
  readonly executes?: string;
  /** COPY ... TO STDOUT: `outputs` are the copied columns, written in this format. */
  readonly copyOut?: CopyFormat;
  readonly uses: readonly ColumnFlowUse[];
  readonly stores: readonly StoredFlow[];
  readonly calls: readonly CallFlow[];
  /** Calls a sleep function (a timing oracle). */
  readonly sleeps: boolean;
  /**
   * Set when a constant changes the data flow (`ORDER BY 2`, COPY's options, EXPLAIN's): the flow
   * of this text cannot be reused for a text that differs only in its constants.
   */
  readonly constantsMatter?: boolean;
}
