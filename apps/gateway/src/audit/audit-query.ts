/**
 * What GET /v1/audit asks for, and how a record matches it. The file
 * scanner applies these functions; the PostgreSQL reader expresses the same
 * rules in SQL (postgres-audit-table.ts). Both readers must agree.
 *
 * - `subject`, `target`, `session`, `type`, `from`, `to` match fields of the
 *   record itself (a record without the field does not match).
 * - `kind`, `decision`, `table` are statement filters: they select
 *   `statement.intent` records, and the `statement.outcome` of each selected
 *   intent; no other record type matches them.
 */
export interface AuditQuery {
  readonly subject?: string;
  readonly target?: string;
  readonly session?: string;
  /** Record type, e.g. `statement.intent`. */
  readonly type?: string;
  /** Statement kind (`read`, `write`, `ddl`...): any statement of the string. */
  readonly kind?: string;
  readonly decision?: string;
  /** `schema.table` exactly, or a bare `table` matching it in any schema. */
  readonly table?: string;
  /** ISO 8601; inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
}

export interface AuditQueryResult {
  readonly source: 'postgres' | 'files';
  /** Newest first. Each is the record as written, plus `chain` (which file chain it belongs to). */
  readonly records: readonly Record<string, unknown>[];
  /** More records may match: the limit was reached, or the file scan stopped at its budget. */
  readonly truncated: boolean;
}

export function hasStatementFilter(q: AuditQuery): boolean {
  return q.kind !== undefined || q.decision !== undefined || q.table !== undefined;
}

/** Filters on the record's own fields. */
export function matchesRecordFilters(r: Record<string, unknown>, q: AuditQuery): boolean {
  if (q.subject !== undefined && r.subject !== q.subject) return false;
  if (q.target !== undefined && r.target !== q.target) return false;
  if (q.session !== undefined && r.session_id !== q.session) return false;
  if (q.type !== undefined && r.type !== q.type) return false;
  const time = typeof r.time === 'string' ? Date.parse(r.time) : NaN;
  if (q.from !== undefined && !(time >= Date.parse(q.from))) return false;
  if (q.to !== undefined && !(time <= Date.parse(q.to))) return false;
  return true;
}

/** Whether a table name recorded by analysis is the one asked for. */
export function tableMatches(recorded: string, wanted: string): boolean {
  if (recorded === wanted) return true;
  return !wanted.includes('.') && recorded.endsWith(`.${wanted}`);
}

interface StatementLike {
  readonly kind?: unknown;
  readonly tables_read?: unknown;
  readonly tables_written?: unknown;
}

/** Statement filters, on an intent. */
export function intentMatchesStatementFilters(intent: Record<string, unknown>, q: AuditQuery): boolean {
  if (intent.type !== 'statement.intent') return false;
  if (q.decision !== undefined && intent.decision !== q.decision) return false;
  const statements = Array.isArray(intent.statements) ? (intent.statements as StatementLike[]) : [];
  if (q.kind !== undefined && !statements.some((s) => s.kind === q.kind)) return false;
  if (q.table !== undefined) {
    const wanted = q.table;
    const found = statements.some((s) =>
      [s.tables_read, s.tables_written].some(
        (list) => Array.isArray(list) && list.some((t) => typeof t === 'string' && tableMatches(t, wanted)),
      ),
    );
    if (!found) return false;
  }
  return true;
}

/** Where GET /v1/audit reads: the PostgreSQL copy when configured for queries, else the files. */
export interface AuditReader {
  readonly source: 'postgres' | 'files';
  query(q: AuditQuery): Promise<AuditQueryResult>;
  close(): Promise<void>;
}
