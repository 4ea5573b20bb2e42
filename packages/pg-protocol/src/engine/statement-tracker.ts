import type { Decision, StatementEvent } from '@gatehouse/sql-core';

/** One statement sent upstream, waiting for its outcome. */
export interface TrackedStatement {
  readonly event: StatementEvent;
  readonly decision: Decision;
  readonly startedAt: number;
}

/**
 * Everything between two ReadyForQuery messages: a simple Query, a
 * FunctionCall, or the extended-protocol messages up to and including Sync.
 */
export interface SyncUnit {
  readonly statements: TrackedStatement[];
  /** DataRow messages relayed. */
  rowsReturned: number;
  /** Rows the command tags said were changed, when they said. */
  rowsAffected: number | null;
  errorCode: string | null;
}

/**
 * Matches upstream ReadyForQuery messages to what the client sent: each
 * Query, FunctionCall and Sync forwarded upstream yields exactly one
 * ReadyForQuery, in order.
 */
export class StatementTracker {
  readonly #units: SyncUnit[] = [];
  /** Extended-protocol statements parsed since the last Sync. */
  #open: TrackedStatement[] = [];

  /** A Parse was forwarded; it completes with the next Sync's ReadyForQuery. */
  addExtended(statement: TrackedStatement): void {
    this.#open.push(statement);
  }

  /** A Query or FunctionCall was forwarded: a unit of its own. */
  addSimple(statement: TrackedStatement | null): void {
    this.#units.push({
      statements: statement ? [statement] : [],
      rowsReturned: 0,
      rowsAffected: null,
      errorCode: null,
    });
  }

  /** A Sync was forwarded: closes the open extended unit. */
  sync(): void {
    this.#units.push({ statements: this.#open, rowsReturned: 0, rowsAffected: null, errorCode: null });
    this.#open = [];
  }

  /** The unit whose responses are arriving now. */
  get current(): SyncUnit | undefined {
    return this.#units[0];
  }

  /** ReadyForQuery arrived: the oldest unit is done. */
  complete(): SyncUnit | undefined {
    return this.#units.shift();
  }

  /**
   * The session is closing: every unit still waiting for its ReadyForQuery,
   * then the extended statements not yet closed by a Sync. Leaves the tracker empty.
   */
  abandon(): SyncUnit[] {
    const units = this.#units.splice(0);
    if (this.#open.length > 0)
      units.push({ statements: this.#open, rowsReturned: 0, rowsAffected: null, errorCode: null });
    this.#open = [];
    return units;
  }

  get idle(): boolean {
    return this.#units.length === 0 && this.#open.length === 0;
  }

  /** Normalised text of the statement running now, for the sessions list. */
  currentStatement(): string | null {
    const unit = this.#units[0];
    const tracked = unit?.statements[0] ?? this.#open[0];
    const facts = tracked?.decision.statements[0];
    return facts ? facts.normalized || facts.command : null;
  }
}

/** Rows from a CommandComplete tag: `SELECT 5`, `INSERT 0 3`, `UPDATE 2`; null when the tag has none. */
export function rowsFromCommandTag(tag: string): number | null {
  const space = tag.lastIndexOf(' ');
  if (space < 0) return null;
  const n = Number(tag.slice(space + 1));
  return Number.isSafeInteger(n) ? n : null;
}
