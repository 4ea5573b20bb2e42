import { createHash, hash } from 'node:crypto';
import type { AuditEvent } from './audit-event';
import { canonicalJson } from './canonical-json';
import { intentBody, outcomeBody } from './statement-record-bodies';

/**
 * A record is one line of canonical JSON: `{"seq":N,"prev":"<hex>",<event>}`.
 * `seq` counts records of a chain from 1 with no gaps, across file rotations.
 * `prev` is the SHA-256 (lower-case hex) of the previous record's line as
 * UTF-8 bytes without its newline, or GENESIS_HASH for seq 1.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** The last record of a chain: what the next record chains to. seq 0 + GENESIS_HASH for an empty chain. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_CHAIN_HEAD: ChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/** The keys a record adds around its event; an event may not carry them itself. */
const ENVELOPE_KEYS = ['seq', 'prev'] as const;

export function sha256Hex(data: string | Uint8Array): string {
  // The one-shot form (Node 20.12+) costs about 60% of a Hash object's; one runs per record.
  return typeof hash === 'function'
    ? hash('sha256', data, 'hex')
    : createHash('sha256').update(data).digest('hex');
}

/** The hash a following record's `prev` must hold. */
export function hashLine(line: string | Uint8Array): string {
  return sha256Hex(line);
}

/**
 * The event's canonical JSON, checked to be a record body. Done once per
 * event, before it gets a place in the chain, so a bad event fails alone.
 */
export function eventBody(event: AuditEvent): string {
  // The two records every statement writes have writers of their own (same text, less work).
  const known =
    event.type === 'statement.intent'
      ? intentBody(event)
      : event.type === 'statement.outcome'
        ? outcomeBody(event)
        : null;
  if (known !== null) return known;
  const obj = event as unknown as Record<string, unknown>;
  if (typeof obj.type !== 'string' || typeof obj.time !== 'string') {
    throw new TypeError('an audit event needs a string `type` and `time`');
  }
  for (const key of ENVELOPE_KEYS) {
    if (key in obj) throw new TypeError(`an audit event may not carry \`${key}\`: the chain sets it`);
  }
  return canonicalJson(event);
}

/**
 * The line for a record, from an `eventBody`. The body's keys all sort after
 * `seq` and `prev`, so splicing them in front equals canonicalJson of the
 * whole record.
 */
export function recordLine(seq: number, prev: string, body: string): string {
  return recordLead(seq, prev) + body.slice(1);
}

/**
 * What a record line puts in place of its body's opening `{`:
 * recordLine(seq, prev, body) is recordLead(seq, prev) + body.slice(1).
 */
export function recordLead(seq: number, prev: string): string {
  return `{"seq":${seq},"prev":"${prev}",`;
}

export interface ChainedLine {
  readonly seq: number;
  readonly line: string;
  readonly hash: string;
}

/**
 * The pure state of a chain writer: the head, and what the next record will
 * be. A sink calls `link` for each event in write order and `commit` once a
 * line is known to be in the file (a failed write leaves the head alone).
 */
export class AuditChain {
  #head: ChainHead;

  constructor(head: ChainHead = EMPTY_CHAIN_HEAD) {
    this.#head = head;
  }

  get head(): ChainHead {
    return this.#head;
  }

  /** The record that follows `after` (default: the head), without moving the head. */
  link(body: string, after: ChainHead = this.#head): ChainedLine {
    const seq = after.seq + 1;
    const line = recordLine(seq, after.hash, body);
    return { seq, line, hash: hashLine(line) };
  }

  /** Formats and commits in one step (for pure use and tests). */
  append(event: AuditEvent): ChainedLine {
    const linked = this.link(eventBody(event));
    this.commit(linked);
    return linked;
  }

  commit(linked: { readonly seq: number; readonly hash: string }): void {
    this.#head = { seq: linked.seq, hash: linked.hash };
  }

  reset(head: ChainHead): void {
    this.#head = head;
  }
}

/** What the verifier and the sink's tail reader need of a parsed line. */
export interface ParsedRecord {
  readonly seq: number;
  readonly prev: string;
  readonly type: string;
  readonly fields: Record<string, unknown>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses a line as a record: a JSON object with a positive integer `seq`, a
 * 64-hex `prev`, a string `type`, written in canonical form; otherwise the
 * reason it is not one.
 */
export type ParsedLine =
  | { readonly ok: true; readonly record: ParsedRecord }
  /** `edited`: a well-formed record not in canonical form; `malformed`: not a record at all. */
  | { readonly ok: false; readonly kind: 'edited' | 'malformed'; readonly error: string };

export function parseRecordLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, kind: 'malformed', error: 'it is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, kind: 'malformed', error: 'it is not a JSON object' };
  }
  const fields = value as Record<string, unknown>;
  const { seq, prev, type } = fields;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return { ok: false, kind: 'malformed', error: 'it has no valid `seq`' };
  }
  if (typeof prev !== 'string' || !HEX64.test(prev))
    return { ok: false, kind: 'malformed', error: 'it has no valid `prev`' };
  if (typeof type !== 'string') return { ok: false, kind: 'malformed', error: 'it has no `type`' };
  if (canonicalJson(fields) !== line) {
    return {
      ok: false,
      kind: 'edited',
      error: 'it is not in the exact form Gatehouse writes, so it was changed after writing',
    };
  }
  return { ok: true, record: { seq, prev, type, fields } };
}

/** The `seq` of a line that looks like a record, without the full checks; null otherwise. */
export function peekSeq(line: string): number | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return null;
    const seq = (value as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : null;
  } catch {
    return null;
  }
}
