import type { Decision, StatementEvent } from '@gatehouse/sql-core';
import { decodeCommandComplete } from '../codec';

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

/** Command tags whose row count is rows sent to the client, not rows changed. */
const RETURNING_TAGS = /^(SELECT|FETCH|MOVE|SHOW) /;
const SELECT_ = Buffer.from('SELECT ');
const FETCH_ = Buffer.from('FETCH ');
const MOVE_ = Buffer.from('MOVE ');
const SHOW_ = Buffer.from('SHOW ');
/** Digits that always make a safe integer. */
const MAX_FAST_DIGITS = 15;

/**
 * Rows a CommandComplete (its payload is buf[payloadStart, end)) says were
 * changed: `INSERT 0 3` -> 3, `UPDATE 2` -> 2; null for a tag without a
 * count and for tags whose count is rows sent (SELECT, FETCH, MOVE, SHOW).
 * Read from the bytes for the tags PostgreSQL sends (ASCII, NUL only at the
 * end, a space and digits last): one per statement, so no string is made.
 * Anything else, malformed included, takes the decoder, which throws
 * ProtocolError as it always did.
 */
export function rowsChangedByCommand(buf: Buffer, payloadStart: number, end: number): number | null {
  const last = end - 1;
  if (last < payloadStart || buf[last] !== 0) return rowsChangedByTag(buf, payloadStart, end);
  let digits = last;
  while (digits > payloadStart && isDigit(buf[digits - 1] as number)) digits--;
  for (let i = payloadStart; i < digits; i++) {
    if (buf[i] === 0) return rowsChangedByTag(buf, payloadStart, end);
  }
  if (
    startsWith(buf, payloadStart, last, SELECT_) ||
    startsWith(buf, payloadStart, last, FETCH_) ||
    startsWith(buf, payloadStart, last, MOVE_) ||
    startsWith(buf, payloadStart, last, SHOW_)
  )
    return null;
  if (digits === last) {
    // No digits at the end: no count unless the last word is something Number() reads.
    for (let i = payloadStart; i < last; i++)
      if (buf[i] === 0x20) return rowsChangedByTag(buf, payloadStart, end);
    return null;
  }
  if (digits === payloadStart || buf[digits - 1] !== 0x20 || last - digits > MAX_FAST_DIGITS)
    return rowsChangedByTag(buf, payloadStart, end);
  let n = 0;
  for (let i = digits; i < last; i++) n = n * 10 + ((buf[i] as number) - 0x30);
  return n;
}

/** The same answer from the decoded tag (and the decoder's errors for a malformed message). */
function rowsChangedByTag(buf: Buffer, payloadStart: number, end: number): number | null {
  const tag = decodeCommandComplete(buf.subarray(payloadStart, end));
  const rows = rowsFromCommandTag(tag);
  return rows !== null && !RETURNING_TAGS.test(tag) ? rows : null;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** buf[start, limit) begins with prefix. */
function startsWith(buf: Buffer, start: number, limit: number, prefix: Buffer): boolean {
  if (limit - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}
