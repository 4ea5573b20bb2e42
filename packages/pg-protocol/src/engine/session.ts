import type { Socket } from 'node:net';
import {
  GatewayError,
  PreparedStatements,
  type Decision,
  type DenyDecision,
  type SessionContext,
  type SessionEndReason,
  type SessionHandle,
  type SessionInfo,
  type StatementEvent,
  type StatementSource,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import {
  decodeFunctionCall,
  decodeParse,
  decodeQuery,
  encodeParse,
  encodeQuery,
  FrontendCode,
  MessageReader,
  ProtocolError,
} from '../codec';
import type { CancelKey } from './cancel-keys';
import type { CatalogCache } from './catalog-cache';
import { DenialMarkers } from './denial-markers';
import { fatalResponse, gatewayErrorResponse, noticeResponse } from './error-response';
import type { PostgresEngineOptions } from './engine-options';
import { OutputBatch } from './output-batch';
import { PreparedJudgements } from './prepared-judgements';
import { ResultMasking } from './result-masking';
import { StatementTracker, type TrackedStatement } from './statement-tracker';
import { UpstreamRelay } from './upstream-relay';
import { sendUpstreamCancel, type UpstreamConnection } from './upstream-connection';

export interface SessionSetup {
  readonly context: SessionContext;
  readonly client: Socket;
  readonly clientLeftover: Buffer;
  readonly upstream: UpstreamConnection;
  readonly endpoint: UpstreamEndpoint;
  /** The catalog of the session's target and database (result columns, for masking). */
  readonly catalog: CatalogCache;
  readonly cancelKey: CancelKey;
  readonly options: PostgresEngineOptions;
  readonly onClose: (session: PostgresSession) => void;
}

/**
 * One client session relayed to its upstream connection. Client messages are
 * framed and forwarded as their original bytes; Query, Parse and FunctionCall
 * go through the pipeline first. A denied statement is replaced upstream by a
 * marker the upstream cannot parse, so the upstream itself fails the
 * transaction and skips to Sync exactly as for a server error, and every
 * response keeps its order; the marker's syntax error is then rewritten into
 * the denial on its way back. Results go through ResultMasking: rows that
 * need no change pass as their original bytes; a result whose columns the
 * catalog must resolve first holds the upstream until it knows them.
 */
export class PostgresSession implements SessionHandle {
  readonly id: string;
  readonly context: SessionContext;
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #options: PostgresEngineOptions;
  readonly #endpoint: UpstreamEndpoint;
  readonly #upstreamKey: { processId: number; secretKey: Buffer };
  readonly cancelKey: CancelKey;
  readonly #onClose: (session: PostgresSession) => void;
  readonly #clientReader: MessageReader;
  readonly #relay: UpstreamRelay;
  readonly #toUpstream: OutputBatch;
  readonly #toClient: OutputBatch;
  readonly #tracker = new StatementTracker();
  readonly #since = new Date();
  readonly #denials = new DenialMarkers();
  readonly #judgements = new PreparedJudgements((j, d) =>
    this.#masking.rejudged(j.name, j.sql, j.parameterTypes, d),
  );
  readonly #masking: ResultMasking;
  #transactionStatus: 'I' | 'T' | 'E';
  #statements = 0;
  readonly #prepared = new PreparedStatements();
  /** Aborts the statement waiting for a decision (approval) on cancel or close. */
  #waiting: AbortController | null = null;
  #bytesIn = 0;
  #bytesOut = 0;
  #endReason: SessionEndReason = 'client_closed';
  /** Waiting for an asynchronous decision: client messages stay queued in the reader. */
  #blocked = false;
  #upstreamFull = false;
  #clientFull = false;
  #draining = false;
  #closed = false;

  constructor(setup: SessionSetup) {
    this.context = setup.context;
    this.id = setup.context.id;
    this.#client = setup.client;
    this.#upstream = setup.upstream.socket;
    this.#options = setup.options;
    this.#endpoint = setup.endpoint;
    this.#masking = new ResultMasking(setup.catalog, setup.endpoint, setup.context.logger);
    this.#upstreamKey = { processId: setup.upstream.processId, secretKey: setup.upstream.secretKey };
    this.cancelKey = setup.cancelKey;
    this.#onClose = setup.onClose;
    this.#transactionStatus = setup.upstream.transactionStatus;
    this.#clientReader = new MessageReader({ maxMessageSize: setup.options.maxMessageSize });
    this.#toUpstream = new OutputBatch(this.#upstream, () => this.#onUpstreamFull());
    this.#toClient = new OutputBatch(this.#client, () => this.#onClientFull());
    this.#relay = new UpstreamRelay({
      upstream: this.#upstream,
      toClient: this.#toClient,
      tracker: this.#tracker,
      masking: this.#masking,
      denials: this.#denials,
      catalog: setup.catalog,
      pipeline: setup.options.pipeline,
      maxMessageSize: setup.options.maxMessageSize,
      clientFull: () => this.#clientFull,
      onReadyForQuery: (status) => this.#readyForQuery(status),
      onError: (err) => this.#fail(err, 'upstream'),
    });

    this.#client.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    this.#upstream.on('data', (chunk: Buffer) => this.#onUpstreamData(chunk));
    this.#client.on('drain', () => {
      this.#clientFull = false;
      if (!this.#relay.holding) this.#upstream.resume();
    });
    this.#upstream.on('drain', () => {
      this.#upstreamFull = false;
      this.#resumeClient();
    });
    this.#client.on('close', () => this.close('client closed'));
    this.#upstream.on('close', () => {
      if (this.#endReason === 'client_closed' && !this.#closed) this.#endReason = 'upstream_closed';
      this.close('upstream closed');
    });
    this.#client.on('error', (err) => this.context.logger.debug({ err }, 'client socket error'));
    this.#upstream.on('error', (err) => this.context.logger.warn({ err }, 'upstream socket error'));

    if (setup.upstream.leftover.length > 0) this.#onUpstreamData(setup.upstream.leftover);
    if (setup.clientLeftover.length > 0) this.#onClientData(setup.clientLeftover);
    this.#upstream.resume();
    this.#resumeClient();
  }

  info(): SessionInfo {
    const { identity, target } = this.context;
    return {
      id: this.id,
      engine: 'postgres',
      subject: identity.subject,
      groups: identity.groups,
      target,
      database: this.context.database,
      clientAddress: this.context.clientAddress,
      clientUser: this.context.clientUser,
      tls: this.context.tls,
      since: this.#since.toISOString(),
      statements: this.#statements,
      currentStatement: this.#tracker.currentStatement(),
    };
  }

  /** Ends the session with FATAL 57P01, as a server's pg_terminate_backend would. */
  terminate(reason: string): void {
    if (this.#closed) return;
    if (this.#endReason === 'client_closed') this.#endReason = this.#draining ? 'shutdown' : 'terminated';
    this.#toClient.flush();
    this.#client.write(fatalResponse('57P01', `terminating connection: ${reason}`));
    this.close(reason);
  }

  /** Stops at the next idle point (between statements); used by graceful shutdown. */
  drain(): void {
    this.#draining = true;
    if (this.#tracker.idle && !this.#blocked) this.terminate('the gateway is shutting down');
  }

  /** CancelRequest from the client: forwarded to the upstream with the upstream's own key. */
  cancel(): void {
    if (this.#closed) return;
    if (this.#waiting) {
      // Held for approval: nothing runs upstream yet; withdraw instead.
      this.#waiting.abort(new GatewayError('canceled', 'canceling statement due to user request'));
      return;
    }
    sendUpstreamCancel(this.#endpoint, this.#upstreamKey, {
      signal: AbortSignal.timeout(this.#options.connectTimeoutMs),
      maxMessageSize: this.#options.maxMessageSize,
    }).catch((err: unknown) => this.context.logger.warn({ err }, 'could not forward cancel request'));
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#relay.close();
    this.#waiting?.abort(new GatewayError('canceled', 'the client went away'));
    this.context.logger.debug({ reason }, 'session closed');
    this.#options.pipeline.onSessionEnd(this.context, {
      upstreamUser: this.#endpoint.user,
      reason: this.#endReason,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      durationMs: Date.now() - this.#since.getTime(),
      statements: this.#statements,
    });
    this.#client.end();
    this.#upstream.end();
    // Give pending writes a moment, then make sure both sockets are gone.
    setTimeout(() => {
      this.#client.destroy();
      this.#upstream.destroy();
    }, 1000).unref();
    this.#onClose(this);
  }

  // ---- client -> upstream ----

  #onClientData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#bytesIn += chunk.length;
    this.#clientReader.push(chunk);
    this.#processClient();
  }

  #processClient(): void {
    const reader = this.#clientReader;
    try {
      while (!this.#blocked && !this.#closed && reader.next()) {
        switch (reader.code) {
          case FrontendCode.Query:
            this.#statement(decodeQuery(reader.payload()), 'simple');
            break;
          case FrontendCode.Parse: {
            const parse = decodeParse(reader.payload());
            this.#statement(parse.query, 'extended', parse.name, parse.parameterTypes);
            break;
          }
          case FrontendCode.Bind:
          case FrontendCode.Describe:
          case FrontendCode.Execute:
          case FrontendCode.Close: {
            if (reader.code === FrontendCode.Bind && this.#rejudgeBind()) break;
            if (reader.code === FrontendCode.Close) this.#judgements.closed(reader.payload());
            // A Bind masking refuses (binary it cannot mask, a masked value to write) is denied in place.
            const refused = this.#masking.clientMessage(reader.code, reader.payload());
            if (refused === null) this.#toUpstream.add(reader.buffer, reader.messageStart, reader.end);
            else
              this.#deny({ action: 'deny', ...refused, code: 'policy_denied', statements: [] }, 'extended');
            break;
          }
          case FrontendCode.FunctionCall: {
            // Fast-path calls name a function by OID only; until the catalog resolves it the
            // statement is opaque, so the pipeline sees text no parser accepts: unknown, fail closed.
            const call = decodeFunctionCall(reader.payload());
            this.#statement(`FUNCTION CALL ${call.functionOid}`, 'function_call');
            break;
          }
          case FrontendCode.Sync:
            this.#tracker.sync();
            this.#masking.clientMessage(reader.code, reader.payload());
            this.#toUpstream.add(reader.buffer, reader.messageStart, reader.end);
            break;
          case FrontendCode.Terminate:
            this.#toUpstream.add(reader.buffer, reader.messageStart, reader.end);
            this.#toUpstream.flush();
            this.#endReason = 'client_closed';
            this.close('client terminated');
            return;
          default:
            this.#toUpstream.add(reader.buffer, reader.messageStart, reader.end);
        }
      }
      this.#toUpstream.flush();
    } catch (err) {
      this.#fail(err, 'client');
    }
  }

  /** The current client message holds a statement: decide, then forward it or its denial. */
  #statement(
    sql: string,
    source: StatementSource,
    statementName = '',
    parameterTypes: readonly number[] = [],
  ): void {
    const reader = this.#clientReader;
    const event = this.#event(sql, source);
    this.#statements++;
    const startedAt = performance.now();
    const generation = this.#options.pipeline.policyGeneration;
    // Only a statement that waits (for approval) ever reads its signal: made on first use.
    let waiting: AbortController | null = null;
    const decision = this.#options.pipeline.onStatement(event, {
      notice: (message, detail) => {
        if (!this.#closed) this.#client.write(noticeResponse(message, detail));
      },
      get signal() {
        waiting ??= new AbortController();
        return waiting.signal;
      },
    });
    if (!(decision instanceof Promise)) {
      this.#forwardStatement(
        event,
        decision,
        [reader.buffer, reader.messageStart, reader.end],
        statementName,
        startedAt,
        parameterTypes,
        generation,
      );
      return;
    }
    // Hold every later client message until this one is decided.
    this.#toUpstream.flush();
    const held = Buffer.from(reader.raw());
    this.#blocked = true;
    this.#waiting = waiting ?? (waiting = new AbortController());
    this.#client.pause();
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
          if (!this.#closed)
            this.#forwardStatement(
              event,
              d,
              whole(held),
              statementName,
              startedAt,
              parameterTypes,
              generation,
            );
        },
        (err: unknown) => this.#fail(err, 'pipeline'),
      )
      .finally(() => {
        this.#blocked = false;
        this.#waiting = null;
        this.#toUpstream.flush();
        this.#resumeClient();
        if (!this.#closed) this.#processClient();
      });
  }

  #forwardStatement(
    event: StatementEvent,
    decision: Decision,
    message: [Buffer, number, number],
    name: string,
    startedAt: number,
    parameterTypes: readonly number[],
    generation: number,
  ): void {
    const tracked: TrackedStatement = { event, decision, startedAt };
    if (event.source === 'extended') this.#tracker.addExtended(tracked);
    else this.#tracker.addSimple(tracked);
    this.#masking.statement(event.source, decision, name, event.sql, parameterTypes);
    if (decision.action === 'allow') {
      if (event.source === 'extended') this.#judgements.remember(name, event.sql, parameterTypes, generation);
      this.#toUpstream.add(...message);
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
      session: this.context,
      seq: this.#statements + 1,
      sql,
      source,
      inTransaction: this.#transactionStatus !== 'I',
      prepared: this.#prepared,
    };
  }

  /**
   * A Bind of a statement prepared under an older policy is judged again
   * before it runs. Denied: the marker takes its place, so the upstream fails
   * here and skips to Sync, and the Bind is consumed (true).
   */
  #rejudgeBind(): boolean {
    const refused = this.#judgements.recheck(this.#clientReader.payload(), this.#options.pipeline, (sql) =>
      this.#event(sql, 'extended'),
    );
    if (refused === null) return false;
    this.#statements++;
    this.#tracker.addExtended({
      event: refused.event,
      decision: refused.decision,
      startedAt: performance.now(),
    });
    this.#deny(refused.decision, 'extended');
    return true;
  }

  /** Sends the denial's marker upstream in place of the message: a Parse of it (extended) or a Query. */
  #deny(denial: DenyDecision, source: StatementSource, name?: string): void {
    const marker = this.#denials.add(denial);
    this.#toUpstream.flush();
    // A refused Bind parses its marker under the marker's own name: the client's statements stay as they were.
    const message = source === 'extended' ? encodeParse(name ?? marker, marker, []) : encodeQuery(marker);
    this.#toUpstream.add(...whole(message));
  }

  // ---- upstream -> client ----

  #onUpstreamData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#bytesOut += chunk.length;
    this.#relay.push(chunk);
  }

  #readyForQuery(status: 'I' | 'T' | 'E'): void {
    this.#transactionStatus = status;
    // Denials whose marker was skipped (an earlier error in the same batch) will never come back.
    if (this.#tracker.idle) this.#denials.clear();
    if (this.#draining && this.#tracker.idle && !this.#blocked) {
      this.#toClient.flush();
      this.terminate('the gateway is shutting down');
    }
  }

  // ---- flow control and failure ----

  #onUpstreamFull(): void {
    this.#upstreamFull = true;
    this.#client.pause();
  }

  #onClientFull(): void {
    this.#clientFull = true;
    this.#upstream.pause();
  }

  #resumeClient(): void {
    if (!this.#upstreamFull && !this.#blocked && !this.#closed) this.#client.resume();
  }

  get clientBackpressure(): boolean {
    return this.#clientFull;
  }

  #fail(err: unknown, side: 'client' | 'upstream' | 'pipeline'): void {
    if (this.#closed) return;
    this.#endReason = err instanceof ProtocolError ? 'protocol_error' : 'error';
    if (err instanceof ProtocolError) {
      this.context.logger.warn({ side, reason: err.message }, 'protocol violation');
      const message = side === 'client' ? err.message : 'the upstream sent a malformed message';
      this.#toClient.flush();
      this.#client.write(fatalResponse('08P01', message));
    } else if (err instanceof GatewayError) {
      this.#toClient.flush();
      this.#client.write(gatewayErrorResponse(err).message);
    } else {
      this.context.logger.error({ err, side }, 'session failed');
      this.#toClient.flush();
      this.#client.write(fatalResponse('XX000', 'internal error; the session was closed'));
    }
    this.close(`${side} failure`);
  }
}

function whole(message: Buffer): [Buffer, number, number] {
  return [message, 0, message.length];
}
