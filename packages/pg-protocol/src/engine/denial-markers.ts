import { randomBytes } from 'node:crypto';
import type { DenyDecision } from '@gatehouse/sql-core';
import type { ErrorFields } from '../codec';

/** SQLSTATE syntax_error: what the upstream answers to a denial marker. */
const SYNTAX_ERROR = '42601';

/**
 * Denied statements are replaced upstream by a marker the upstream cannot
 * parse, so the upstream itself fails the transaction and skips to Sync
 * exactly as for a server error; the marker's syntax error is rewritten
 * into the denial on its way back. The prefix is random per session, so a
 * client cannot forge another denial's text.
 */
export class DenialMarkers {
  readonly #prefix = `gatehouse_denied_${randomBytes(6).toString('hex')}_`;
  readonly #pattern = new RegExp(`${this.#prefix}\\d+`);
  readonly #denials = new Map<string, DenyDecision>();
  #seq = 0;

  /** A new marker standing for this denial. */
  add(denial: DenyDecision): string {
    const marker = `${this.#prefix}${++this.#seq}`;
    this.#denials.set(marker, denial);
    return marker;
  }

  /** The denial an upstream error stands for, if it is a marker's syntax error (forgotten once matched). */
  match(fields: ErrorFields): DenyDecision | null {
    if (fields.code !== SYNTAX_ERROR || !fields.message.includes(this.#prefix)) return null;
    const m = this.#pattern.exec(fields.message);
    const denial = m ? this.#denials.get(m[0]) : undefined;
    if (m === null || denial === undefined) return null;
    this.#denials.delete(m[0]);
    return denial;
  }

  /** Denials whose marker was skipped (an earlier error in the same batch) will never come back. */
  clear(): void {
    this.#denials.clear();
  }
}
