import type { Socket } from 'node:net';
// Imported: the global `performance` is a lazy accessor that even optimised code calls each time.
import { performance } from 'node:perf_hooks';
import { GatewayError, type Pipeline, type StatementFacts } from '@gatehouse/sql-core';
import { BackendCode, decodeErrorFields, decodeParameterStatus, MessageReader } from '../codec';
import type { CatalogCache } from './catalog-cache';
import type { DenialMarkers } from './denial-markers';
import { denialResponse } from './error-response';
import { checkLexingParameter } from './lexing-parameters';
import type { OutputBatch } from './output-batch';
import { DROP, type ResultMasking, type UpstreamAction } from './result-masking';
import { rowsChangedByCommand, type StatementTracker } from './statement-tracker';

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const Backend = BackendCode;

export interface UpstreamRelayDeps {
  readonly upstream: Socket;
  readonly toClient: OutputBatch;
  readonly tracker: StatementTracker;
  readonly masking: ResultMasking;
  readonly denials: DenialMarkers;
  readonly catalog: CatalogCache;
  readonly pipeline: Pipeline;
  readonly maxMessageSize: number;
  /** The client's socket buffer is full: the upstream stays paused after a hold. */
  readonly clientFull: () => boolean;
  /** ReadyForQuery relayed, its unit reported: the session takes the transaction status. */
  readonly onReadyForQuery: (status: 'I' | 'T' | 'E') => void;
  readonly onError: (err: unknown) => void;
}

/**
 * The upstream half of a session: frames what the server sends, forwards
 * it as its original bytes unless masking rewrites it, turns denial markers'
 * errors into denials, counts rows, and reports each finished unit to the
 * pipeline. When masking must ask the catalog before a result can pass, the
 * message is held (a copy), the upstream socket paused, and relaying
 * resumes with that message once the answer is in: nothing unmasked passes
 * meanwhile, and memory stays bounded by what the socket had delivered.
 */
export class UpstreamRelay {
  readonly #deps: UpstreamRelayDeps;
  readonly #reader: MessageReader;
  #held: { code: number; message: Buffer; payloadStart: number } | null = null;
  #closed = false;

  constructor(deps: UpstreamRelayDeps) {
    this.#deps = deps;
    this.#reader = new MessageReader({ maxMessageSize: deps.maxMessageSize });
  }

  /** A message is held for the catalog: the upstream must stay paused. */
  get holding(): boolean {
    return this.#held !== null;
  }

  push(chunk: Buffer): void {
    this.#reader.push(chunk);
    this.#drain();
  }

  close(): void {
    this.#closed = true;
  }

  #drain(): void {
    const reader = this.#reader;
    try {
      while (this.#held === null && !this.#closed && reader.next()) {
        this.#message(reader.code, reader.buffer, reader.messageStart, reader.payloadStart, reader.end);
      }
      this.#deps.toClient.flush();
    } catch (err) {
      this.#deps.onError(err);
    }
  }

  #message(code: number, buf: Buffer, start: number, payloadStart: number, end: number): void {
    const { masking, tracker } = this.#deps;
    let out: UpstreamAction = null;
    switch (code) {
      case Backend.DataRow: {
        out = masking.dataRow(buf, start, end);
        const unit = tracker.current;
        if (unit && !(out instanceof Promise)) unit.rowsReturned++;
        break;
      }
      case Backend.ErrorResponse:
        out = this.#error(buf, payloadStart, end);
        break;
      case Backend.CommandComplete: {
        const unit = tracker.current;
        if (unit) {
          const rows = rowsChangedByCommand(buf, payloadStart, end);
          if (rows !== null) unit.rowsAffected = (unit.rowsAffected ?? 0) + rows;
        }
        out = masking.upstream(code, buf, payloadStart, end);
        break;
      }
      case Backend.ParameterStatus: {
        // Analysis lexes as the server does only with these settings; anything else ends the session.
        const problem = checkLexingParameter(decodeParameterStatus(buf.subarray(payloadStart, end)));
        if (problem) throw new GatewayError('protocol_violation', problem);
        break;
      }
      default:
        out = masking.upstream(code, buf, payloadStart, end);
    }
    if (out instanceof Promise) {
      this.#hold(out, code, buf, start, payloadStart, end);
      return;
    }
    if (out === null) this.#deps.toClient.add(buf, start, end);
    else if (out !== DROP) this.#deps.toClient.add(out, 0, out.length);
    if (code === Backend.ReadyForQuery) this.#readyForQuery(buf[payloadStart] as number);
  }

  /** Keeps one message (a copy) and pauses the upstream until the catalog answers; then carries on. */
  #hold(
    wait: Promise<void>,
    code: number,
    buf: Buffer,
    start: number,
    payloadStart: number,
    end: number,
  ): void {
    const { upstream, toClient } = this.#deps;
    this.#held = { code, message: Buffer.from(buf.subarray(start, end)), payloadStart: payloadStart - start };
    toClient.flush();
    upstream.pause();
    void wait.then(() => {
      const held = this.#held;
      this.#held = null;
      if (this.#closed || held === null) return;
      try {
        this.#message(held.code, held.message, 0, held.payloadStart, held.message.length);
      } catch (err) {
        this.#deps.onError(err);
        return;
      }
      if (this.#held === null && !this.#deps.clientFull()) upstream.resume();
      this.#drain();
    });
  }

  /** A denial marker's syntax error becomes the denial; any other error may have values to redact. */
  #error(buf: Buffer, payloadStart: number, end: number): UpstreamAction {
    const fields = decodeErrorFields(buf.subarray(payloadStart, end));
    const unit = this.#deps.tracker.current;
    if (unit) unit.errorCode = fields.code;
    const denial = this.#deps.denials.match(fields);
    if (denial === null) return this.#deps.masking.upstream(Backend.ErrorResponse, buf, payloadStart, end);
    if (unit) unit.errorCode = '42501';
    this.#deps.masking.error();
    return denialResponse(denial);
  }

  #readyForQuery(byte: number): void {
    const { tracker, masking, pipeline, catalog } = this.#deps;
    const unit = tracker.complete();
    if (unit) {
      const now = performance.now();
      // Masked columns are recorded with the first statement of the unit that ran.
      let masked = masking.takeMasked();
      for (const s of unit.statements) {
        if (s.decision.action !== 'allow') continue;
        // DDL that passed may have changed what result columns are.
        if (hasDdl(s.decision.statements)) catalog.invalidate();
        const rowsReturned = unit.rowsReturned > 0 ? unit.rowsReturned : null;
        const durationMs = now - s.startedAt;
        const { rowsAffected, errorCode: sqlstate } = unit;
        pipeline.onStatementEnd(
          s.event,
          masked.length > 0
            ? { rowsReturned, rowsAffected, sqlstate, durationMs, masked }
            : { rowsReturned, rowsAffected, sqlstate, durationMs },
        );
        if (masked.length > 0) masked = [];
      }
    }
    this.#deps.onReadyForQuery(byte === 0x54 ? 'T' : byte === 0x45 ? 'E' : 'I');
  }
}

function hasDdl(statements: readonly StatementFacts[]): boolean {
  for (const f of statements) if (f.kind === 'ddl') return true;
  return false;
}
