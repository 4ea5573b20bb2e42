// Imported: the global `performance` is a lazy accessor that even optimised code calls each time.
import { performance } from 'node:perf_hooks';
import {
  GatewayError,
  type Decision,
  type DenyDecision,
  type Pipeline,
  type PreparedStatements,
  type SessionContext,
  type StatementEvent,
  type StatementHooks,
  type StatementSource,
} from '@gatehouse/sql-core';
import {
  decodeFunctionCall,
  decodeParse,
  decodeQuery,
  encodeParse,
  encodeQuery,
  FrontendCode,
  type MessageReader,
} from '../codec';
import type { FunctionInfo } from './catalog-cache';
import type { DenialMarkers } from './denial-markers';
import { gatewayErrorResponse, noticeResponse } from './error-response';
import { functionCallText, unmaskableFunctionResult } from './function-calls';
import type { OutputBatch } from './output-batch';
import type { PreparedJudgements } from './prepared-judgements';
import type { ResultMasking } from './result-masking';
import type { StatementTracker, TrackedStatement } from './statement-tracker';

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const Frontend = FrontendCode;

export interface ClientRelayDeps {
  readonly context: SessionContext;
  readonly reader: MessageReader;
  readonly toUpstream: OutputBatch;
  readonly tracker: StatementTracker;
  readonly masking: ResultMasking;
  readonly denials: DenialMarkers;
  readonly judgements: PreparedJudgements;
  readonly prepared: PreparedStatements;
  readonly pipeline: Pipeline;
  /** Functions by OID, for fast-path FunctionCall: what the catalog knows now, and a lookup. */
  readonly functions: {
    known(oid: number): FunctionInfo | null | undefined;
    resolve(oid: number): Promise<FunctionInfo | null>;
  };
  /** The upstream's transaction status as of the last ReadyForQuery relayed. */
  readonly transactionStatus: () => 'I' | 'T' | 'E';
  /** Sends a message to the client now (a notice while a statement waits). */
  readonly toClient: (message: Buffer) => void;
  /** The client socket: paused while a statement waits for its decision. */
  readonly pauseClient: () => void;
  /** A decision came in: the client may be read again (unless flow control says otherwise). */
  readonly resumeClient: () => void;
  readonly closed: () => boolean;
  /** The client sent Terminate: it has been forwarded; the session closes. */
  readonly onTerminate: () => void;
  readonly onError: (err: unknown, side: 'client' | 'pipeline') => void;
}

/**
 * The client half of a session: frames what the client sends and forwards
 * it as its original bytes, except that every statement (Query, Parse,
 * FunctionCall) goes through the pipeline first and a Bind of a statement
 * prepared under an older policy is judged again. A denied statement is
 * replaced upstream by a denial marker (see DenialMarkers). A decision that
 * must wait (approval, an audit write that could not be done at once)
 * holds every later client message, in order, until it is in.
 */
export class ClientRelay {
  readonly #deps: ClientRelayDeps;
  /** Statements numbered so far (each takes the next number when it is decided). */
  #statements = 0;
  /** Waiting for an asynchronous decision: client messages stay queued in the reader. */
  #blocked = false;
  /** Aborts the statement waiting for a decision (approval) on cancel or close. */
  #waiting: AbortController | null = null;
  /** The event of an extended-protocol statement judged again at Bind (made once, not per Bind). */
  readonly #extendedEvent = (sql: string): StatementEvent => this.#event(sql, 'extended');

  constructor(deps: ClientRelayDeps) {
    this.#deps = deps;
  }

  get statements(): number {
    return this.#statements;
  }

  /** A statement is waiting for its decision. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Withdraws the statement waiting for a decision, if any; true if there was one. */
  abortWaiting(err: GatewayError): boolean {
    if (this.#waiting === null) return false;
    this.#waiting.abort(err);
    return true;
  }

  push(chunk: Buffer): void {
    this.#deps.reader.push(chunk);
    this.process();
  }

  /** Handles every complete message read so far, unless a decision is pending. */
  process(): void {
    const { reader, toUpstream, closed } = this.#deps;
    try {
      while (!this.#blocked && !closed() && reader.next()) {
        if (!this.#message(reader)) return;
      }
      toUpstream.flush();
    } catch (err) {
      this.#deps.onError(err, 'client');
    }
  }

  /** One client message; false once the session ends with it. */
  #message(reader: MessageReader): boolean {
    const { toUpstream, masking, tracker, judgements } = this.#deps;
    switch (reader.code) {
      case Frontend.Query:
        this.#statement(decodeQuery(reader.payload()), 'simple');
        return true;
      case Frontend.Parse: {
        const parse = decodeParse(reader.payload());
        this.#statement(parse.query, 'extended', parse.name, parse.parameterTypes);
        return true;
      }
      case Frontend.Bind:
      case Frontend.Describe:
      case Frontend.Execute:
      case Frontend.Close: {
        const payload = reader.payload();
        if (reader.code === Frontend.Bind && this.#rejudgeBind(payload)) return true;
        if (reader.code === Frontend.Close) {
          judgements.closed(payload);
          const closed = closedStatementName(payload);
          if (closed !== null) this.#deps.prepared.forget(closed);
        }
        // A Bind masking refuses (binary it cannot mask, a masked value to write) is denied in place.
        const refused = masking.clientMessage(reader.code, payload);
        if (refused === null) toUpstream.add(reader.buffer, reader.messageStart, reader.end);
        else this.#deny({ action: 'deny', ...refused, code: 'policy_denied', statements: [] }, 'extended');
        return true;
      }
      case Frontend.FunctionCall: {
        // A fast-path call names its function by OID: judged as the SELECT of it (see function-calls.ts).
        const call = decodeFunctionCall(reader.payload());
        const known = this.#deps.functions.known(call.functionOid);
        if (known !== undefined) this.#functionCall(call.functionOid, known, call.arguments.length, null);
        else this.#resolveFunction(call.functionOid, call.arguments.length);
        return true;
      }
      case Frontend.Sync:
        tracker.sync();
        masking.clientMessage(reader.code, reader.payload());
        toUpstream.add(reader.buffer, reader.messageStart, reader.end);
        return true;
      case Frontend.Terminate:
        toUpstream.add(reader.buffer, reader.messageStart, reader.end);
        toUpstream.flush();
        this.#deps.onTerminate();
        return false;
      default:
        toUpstream.add(reader.buffer, reader.messageStart, reader.end);
        return true;
    }
  }

  /** Holds the client while the catalog says which function an OID is, then judges the call. */
  #resolveFunction(oid: number, argumentCount: number): void {
    const held = Buffer.from(this.#deps.reader.raw());
    this.#hold(null);
    this.#deps.functions
      .resolve(oid)
      // The catalog could not be asked: the call stays opaque, so it is judged unknown (fail closed).
      .catch(() => null)
      .then((fn) => {
        this.#blocked = false;
        if (this.#deps.closed()) return;
        this.#functionCall(oid, fn, argumentCount, held);
        if (!this.#blocked) this.#resume();
      })
      .catch((err: unknown) => this.#deps.onError(err, 'client'));
  }

  #functionCall(oid: number, fn: FunctionInfo | null, argumentCount: number, held: Buffer | null): void {
    this.#statement(
      functionCallText(oid, fn, argumentCount),
      'function_call',
      '',
      [],
      held,
      unmaskableFunctionResult(fn),
    );
  }

  /** Stops reading client messages until #resume: they stay queued, in order. */
  #hold(waiting: AbortController | null): void {
    this.#deps.toUpstream.flush();
    this.#blocked = true;
    this.#waiting = waiting;
    this.#deps.pauseClient();
  }

  #resume(): void {
    this.#waiting = null;
    this.#deps.toUpstream.flush();
    this.#deps.resumeClient();
    if (!this.#deps.closed()) this.process();
  }

  /**
   * The current client message (or `held`, a copy of it) holds a statement:
   * decide, then forward it or its denial.
   */
  #statement(
    sql: string,
    source: StatementSource,
    statementName = '',
    parameterTypes: readonly number[] = [],
    held: Buffer | null = null,
    unmaskableResult?: string,
  ): void {
    const { reader, pipeline } = this.#deps;
    const plain = this.#event(sql, source);
    const event = unmaskableResult === undefined ? plain : { ...plain, unmaskableResult };
    this.#statements++;
    const startedAt = performance.now();
    const generation = pipeline.policyGeneration;
    const hooks = new ClientStatementHooks(this.#deps);
    const decision = pipeline.onStatement(event, hooks);
    if (!(decision instanceof Promise)) {
      if (held === null) {
        this.#forwardStatement(
          event,
          decision,
          reader.buffer,
          reader.messageStart,
          reader.end,
          statementName,
          startedAt,
          parameterTypes,
          generation,
        );
      } else {
        this.#forwardStatement(
          event,
          decision,
          held,
          0,
          held.length,
          statementName,
          startedAt,
          parameterTypes,
          generation,
        );
      }
      return;
    }
    // Hold every later client message until this one is decided.
    const message = held ?? Buffer.from(reader.raw());
    this.#hold(hooks.waiting());
    decision
      .catch((err: unknown): Decision => {
        // A statement that cannot be decided (cancelled while held, audit refused) is answered
        // with an error in its place, in order, like a denial; anything else ends the session.
        if (err instanceof GatewayError && !gatewayErrorResponse(err).fatal) {
          return { action: 'deny', ruleId: err.code, reason: err.message, code: err.code, statements: [] };
        }
        throw err;
      })
      .then(
        (d) => {
          if (!this.#deps.closed())
            this.#forwardStatement(
              event,
              d,
              message,
              0,
              message.length,
              statementName,
              startedAt,
              parameterTypes,
              generation,
            );
        },
        (err: unknown) => this.#deps.onError(err, 'pipeline'),
      )
      .finally(() => {
        this.#blocked = false;
        this.#resume();
      });
  }

  #forwardStatement(
    event: StatementEvent,
    decision: Decision,
    buffer: Buffer,
    start: number,
    end: number,
    name: string,
    startedAt: number,
    parameterTypes: readonly number[],
    generation: number,
  ): void {
    const { tracker, masking, judgements, toUpstream } = this.#deps;
    const tracked: TrackedStatement = { event, decision, startedAt };
    if (event.source === 'extended') tracker.addExtended(tracked);
    else tracker.addSimple(tracked);
    masking.statement(event.source, decision, name, event.sql, parameterTypes);
    // A named protocol statement shares PostgreSQL's namespace with SQL PREPARE: `EXECUTE name` runs it.
    if (event.source === 'extended' && name !== '') {
      const facts =
        decision.action === 'allow' && decision.statements.length === 1 ? decision.statements[0] : null;
      this.#deps.prepared.define(name, facts ?? null);
    }
    if (decision.action === 'allow') {
      if (event.source === 'extended') judgements.remember(name, event.sql, parameterTypes, generation);
      toUpstream.add(buffer, start, end);
      return;
    }
    const denial: DenyDecision =
      decision.action === 'deny'
        ? decision
        : { ...decision, action: 'deny', code: 'approval_denied', reason: 'approval is not available' };
    this.#deny(denial, event.source, name);
  }

  /** The next statement of this session (its number is taken only when it is tracked). */
  #event(sql: string, source: StatementSource): StatementEvent {
    return {
      session: this.#deps.context,
      seq: this.#statements + 1,
      sql,
      source,
      inTransaction: this.#deps.transactionStatus() !== 'I',
      prepared: this.#deps.prepared,
    };
  }

  /**
   * A Bind of a statement prepared under an older policy is judged again
   * before it runs. Denied: the marker takes its place, so the upstream fails
   * here and skips to Sync, and the Bind is consumed (true).
   */
  #rejudgeBind(payload: Buffer): boolean {
    const { judgements, pipeline, tracker } = this.#deps;
    const refused = judgements.recheck(payload, pipeline, this.#extendedEvent);
    if (refused === null) return false;
    this.#statements++;
    tracker.addExtended({ event: refused.event, decision: refused.decision, startedAt: performance.now() });
    this.#deny(refused.decision, 'extended');
    return true;
  }

  /** Sends the denial's marker upstream in place of the message: a Parse of it (extended) or a Query. */
  #deny(denial: DenyDecision, source: StatementSource, name?: string): void {
    const { denials, toUpstream } = this.#deps;
    const marker = denials.add(denial);
    toUpstream.flush();
    // A refused Bind parses its marker under the marker's own name: the client's statements stay as they were.
    const message = source === 'extended' ? encodeParse(name ?? marker, marker, []) : encodeQuery(marker);
    toUpstream.add(message, 0, message.length);
  }
}

/**
 * What one statement lends the pipeline: notices go to the client at once;
 * the signal (aborted on cancel or close) is made only when something reads
 * it, i.e. when the statement waits. A class, not an object literal with a
 * getter: a literal's accessor is defined anew for every statement, which
 * costs V8 a map transition on the hot path.
 */
class ClientStatementHooks implements StatementHooks {
  readonly #deps: ClientRelayDeps;
  #controller: AbortController | null = null;

  constructor(deps: ClientRelayDeps) {
    this.#deps = deps;
  }

  notice(message: string, detail?: string): void {
    if (!this.#deps.closed()) this.#deps.toClient(noticeResponse(message, detail));
  }

  get signal(): AbortSignal {
    return this.waiting().signal;
  }

  /** The controller that aborts this statement's wait (made now if the pipeline never asked for it). */
  waiting(): AbortController {
    return (this.#controller ??= new AbortController());
  }
}

/** The statement a Close message closes ('S' and a name), or null (a portal, the unnamed statement). */
function closedStatementName(payload: Buffer): string | null {
  if (payload[0] !== 0x53 /* 'S' */) return null;
  const end = payload.indexOf(0, 1);
  return end > 1 ? payload.toString('utf8', 1, end) : null;
}
