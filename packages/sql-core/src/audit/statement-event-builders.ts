import type { ColumnUse, StatementFacts, TableRef } from '../analysis/statement-facts';
import type { Decision } from '../pipeline/decision';
import type { StatementEvent } from '../pipeline/statement-event';
import type { SessionContext } from '../session/session-context';
import type {
  AuditMaskedColumn,
  AuditStatement,
  StatementIntentEvent,
  StatementOutcomeEvent,
  StatementStatus,
} from './audit-event';
import { clip, scrubQuoted } from './audit-scrub';
import { isoNow } from './audit-time';

/** SQLSTATEs meaning the statement was cancelled (PostgreSQL query_canceled; MySQL ER_QUERY_INTERRUPTED). */
const CANCELED_SQLSTATES: ReadonlySet<string> = new Set(['57014', '70100']);

export function tableName(t: TableRef): string {
  return t.schema === null ? t.name : `${t.schema}.${t.name}`;
}

function columnName(c: ColumnUse): string {
  return c.table === null ? c.column : `${tableName(c.table)}.${c.column}`;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * The audit projection of each analysis result, built once: the analyser
 * hands out the same (frozen) facts for every text of a cached shape, so
 * most statements reuse a projection, and the canonical serialiser, seeing
 * the same frozen object again, checks it once (see canonical-json.ts).
 */
const PROJECTIONS = new WeakMap<StatementFacts, AuditStatement>();
const PROJECTION_LISTS = new WeakMap<readonly StatementFacts[], readonly AuditStatement[]>();

/** `auditStatement` of each, as one frozen array shared by every intent of the same analysis. */
export function auditStatements(statements: readonly StatementFacts[]): readonly AuditStatement[] {
  let list = PROJECTION_LISTS.get(statements);
  if (list === undefined) {
    list = Object.freeze(statements.map(auditStatement));
    PROJECTION_LISTS.set(statements, list);
  }
  return list;
}

/** Columns with role `assignment` (SET / INSERT targets) are written; every other role reads. Frozen. */
export function auditStatement(facts: StatementFacts): AuditStatement {
  let projection = PROJECTIONS.get(facts);
  if (projection === undefined) {
    projection = deepFreeze(projectStatement(facts));
    PROJECTIONS.set(facts, projection);
  }
  return projection;
}

function deepFreeze<T extends object>(value: T): T {
  for (const member of Object.values(value))
    if (typeof member === 'object' && member !== null) deepFreeze(member as object);
  return Object.freeze(value);
}

function projectStatement(facts: StatementFacts): AuditStatement {
  const written: string[] = [];
  const read: string[] = [];
  for (const use of facts.columns) (use.role === 'assignment' ? written : read).push(columnName(use));
  // Members in canonical order (see canonical-json.ts), so the record is serialised as built.
  return {
    columns_read: sortedUnique(read),
    columns_written: sortedUnique(written),
    command: facts.command,
    fingerprint: facts.fingerprint,
    functions: sortedUnique(facts.functions),
    guardrails: facts.guardrails.map((g) => ({ detail: clip(scrubQuoted(g.detail)), id: g.id })),
    kind: facts.kind,
    sql: facts.normalized,
    tables_read: sortedUnique(facts.tablesRead.map(tableName)),
    tables_written: sortedUnique(facts.tablesWritten.map(tableName)),
    unknown_reason: facts.unknownReason === undefined ? null : clip(scrubQuoted(facts.unknownReason)),
  };
}

export interface StatementIntentOptions {
  /**
   * Keep the client's full statement text in `sql_text`. Off by default: the
   * text holds literals (personal data, secrets). Only for targets whose
   * configuration asks for it.
   */
  readonly keepFullText?: boolean;
  readonly time?: Date;
}

/**
 * The intent record of a client string: written after the decision and
 * before anything is forwarded, for every decision (a denied string has an
 * intent and no outcome; a held one an intent, approval events, then
 * `approval.executed` before it runs).
 */
export function statementIntentEvent(
  event: StatementEvent,
  decision: Decision,
  statementSeq: number,
  options: StatementIntentOptions = {},
): StatementIntentEvent {
  const s = event.session;
  // Members in canonical order (see canonical-json.ts), so the record is serialised as built.
  return {
    type: 'statement.intent',
    time: options.time === undefined ? isoNow() : options.time.toISOString(),
    // A review's request, or the approval an allowed retry runs under (a CI grant).
    approval_id: decision.action === 'deny' ? null : (decision.approvalId ?? null),
    database: s.database,
    decision: decision.action,
    environment: s.target.environment,
    in_transaction: event.inTransaction,
    reason: decision.action === 'allow' ? null : decision.reason,
    rule_id: decision.ruleId,
    session_id: s.id,
    source: event.source,
    ...(options.keepFullText ? { sql_text: event.sql } : {}),
    statement_seq: statementSeq,
    statements: auditStatements(decision.statements),
    subject: s.identity.subject,
    target: s.target.name,
  };
}

/** What the engine learnt once the upstream answered a forwarded string. */
export interface StatementResult {
  /** Rows sent to the client (SELECT, RETURNING, SHOW...), null if none were. */
  readonly rowsReturned: number | null;
  /** Rows the upstream reported changed (command tag / OK packet), null if it did not say. */
  readonly rowsAffected: number | null;
  /** SQLSTATE when the upstream (or the gateway on its behalf) answered with an error. */
  readonly sqlstate: string | null;
  readonly durationMs: number;
  readonly masked?: readonly AuditMaskedColumn[];
  /** The session closed before the upstream answered (status `unknown`). */
  readonly unanswered?: boolean;
}

export function statementOutcomeEvent(
  session: Pick<SessionContext, 'id' | 'identity' | 'target'>,
  statementSeq: number,
  result: StatementResult,
  time?: Date,
): StatementOutcomeEvent {
  const status: StatementStatus = result.unanswered
    ? 'unknown'
    : result.sqlstate === null
      ? 'ok'
      : CANCELED_SQLSTATES.has(result.sqlstate)
        ? 'canceled'
        : 'error';
  // Members in canonical order (see canonical-json.ts), so the record is serialised as built.
  return {
    type: 'statement.outcome',
    time: time === undefined ? isoNow() : time.toISOString(),
    duration_ms: roundMs(result.durationMs),
    masked: (result.masked ?? []).map((m) => ({
      column: m.column,
      detectors: sortedUnique(m.detectors),
      table: m.table,
      values: m.values,
    })),
    rows_affected: result.rowsAffected,
    rows_returned: result.rowsReturned,
    session_id: session.id,
    sqlstate: result.sqlstate,
    statement_seq: statementSeq,
    status,
    subject: session.identity.subject,
    target: session.target.name,
  };
}

/** Durations to the microsecond: enough for anyone, and stable in JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
