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
  readonly sql: string;
  readonly source: StatementSource;
  /** True when the session is inside an explicit transaction block. */
  readonly inTransaction: boolean;
}

/** What happened once the upstream answered. */
export interface StatementOutcome {
  /** Rows returned or affected, when the upstream said. */
  readonly rows: number | null;
  /** SQLSTATE (PostgreSQL) or errno/SQLSTATE (MySQL) of an error, if it failed. */
  readonly errorCode: string | null;
  readonly durationMs: number;
}
