import type { StatementResult } from '../audit/statement-event-builders';
import type { PreparedStatements } from '../session/prepared-statements';
import type { SessionContext } from '../session/session-context';

/** How the statement reached the gateway. */
export const StatementSource = {
  /** PostgreSQL simple Query / MySQL COM_QUERY. */
  simple: 'simple',
  /** PostgreSQL Parse / MySQL COM_STMT_PREPARE. */
  extended: 'extended',
  /** PostgreSQL FunctionCall (fast-path). */
  functionCall: 'function_call',
} as const;
export type StatementSource = (typeof StatementSource)[keyof typeof StatementSource];

/** One client statement string, protocol-neutral. */
export interface StatementEvent {
  readonly session: SessionContext;
  /** 1, 2, 3... within the session: ties the audit intent to its outcome. */
  readonly seq: number;
  readonly sql: string;
  readonly source: StatementSource;
  /** True when the session is inside an explicit transaction block. */
  readonly inTransaction: boolean;
  /** The session's SQL-level prepared statements, so EXECUTE is judged as what it runs. */
  readonly prepared?: PreparedStatements;
  /**
   * Set by the engine when it could not mask this statement's result (a
   * fast-path FunctionCall returning data: one value outside any result
   * set): why. For an identity whose results are masked the statement is
   * then denied with this reason; for an unmasked one it changes nothing.
   */
  readonly unmaskableResult?: string;
}

/** What happened once the upstream answered (rows, SQLSTATE, duration, masked columns). */
export type StatementOutcome = StatementResult;
