import type { Socket } from 'node:net';
import {
  GatewayError,
  HoldAborted,
  PreparedStatements,
  type SessionContext,
  type SessionEndReason,
  type SessionHandle,
  type SessionInfo,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import { MessageReader, ProtocolError } from '../codec';
import type { CancelKey } from './cancel-keys';
import type { CatalogCache } from './catalog-cache';
import { ClientRelay } from './client-relay';
import { DenialMarkers } from './denial-markers';
import { fatalResponse, gatewayErrorResponse } from './error-response';
import type { PostgresEngineOptions } from './engine-options';
import { OutputBatch } from './output-batch';
import { PreparedJudgements } from './prepared-judgements';
import { ResultMasking } from './result-masking';
import { StatementTracker } from './statement-tracker';
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
 * One client session relayed to its upstream connection: the wiring of its
 * two halves (ClientRelay: client messages, statements through the pipeline;
 * UpstreamRelay: what the server sends back), flow control and the session's
 * lifecycle. Client messages are framed and forwarded as their original
 * bytes; Query, Parse and FunctionCall go through the pipeline first. A denied statement is replaced upstream by a
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
  readonly #clientRelay: ClientRelay;
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
  #bytesIn = 0;
  #bytesOut = 0;
  #endReason: SessionEndReason = 'client_closed';
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
    this.#clientRelay = new ClientRelay({
      context: this.context,
      reader: new MessageReader({ maxMessageSize: setup.options.maxMessageSize }),
      toUpstream: this.#toUpstream,
      tracker: this.#tracker,
      masking: this.#masking,
      denials: this.#denials,
      judgements: this.#judgements,
      prepared: new PreparedStatements(),
      pipeline: setup.options.pipeline,
      functions: {
        known: (oid) => setup.catalog.function(oid),
        resolve: (oid) => setup.catalog.resolveFunction(oid, setup.endpoint),
      },
      transactionStatus: () => this.#transactionStatus,
      toClient: (message) => this.#client.write(message),
      pauseClient: () => this.#client.pause(),
      resumeClient: () => this.#resumeClient(),
      closed: () => this.#closed,
      onTerminate: () => {
        this.#endReason = 'client_closed';
        this.close('client terminated');
      },
      onError: (err, side) => this.#fail(err, side),
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
      statements: this.#clientRelay.statements,
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
    if (this.#tracker.idle && !this.#clientRelay.blocked) this.terminate('the gateway is shutting down');
  }

  /** CancelRequest from the client: forwarded to the upstream with the upstream's own key. */
  cancel(): void {
    if (this.#closed) return;
    // Held for approval: nothing runs upstream yet; withdraw instead.
    const why = new HoldAborted('canceled', 'canceling statement due to user request');
    if (this.#clientRelay.abortWaiting(why)) return;
    sendUpstreamCancel(this.#endpoint, this.#upstreamKey, {
      signal: AbortSignal.timeout(this.#options.connectTimeoutMs),
      maxMessageSize: this.#options.maxMessageSize,
    }).catch((err: unknown) => this.context.logger.warn({ err }, 'could not forward cancel request'));
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#relay.close();
    this.#clientRelay.abortWaiting(HoldAborted.sessionEnded(this.#endReason, 'the session ended'));
    this.context.logger.debug({ reason }, 'session closed');
    this.#abandonStatements();
    this.#options.pipeline.onSessionEnd(this.context, {
      upstreamUser: this.#endpoint.user,
      reason: this.#endReason,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      durationMs: Date.now() - this.#since.getTime(),
      statements: this.#clientRelay.statements,
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

  /**
   * Statements forwarded and not answered when the session closes get their
   * outcome now, status `unknown` (whether they ran to completion is not
   * known): every intent of a forwarded statement has an outcome.
   */
  #abandonStatements(): void {
    const now = performance.now();
    // What masking did to the rows relayed so far belongs to the first of them, as on ReadyForQuery.
    let masked = this.#masking.takeMaskedAtClose();
    for (const unit of this.#tracker.abandon()) {
      for (const s of unit.statements) {
        if (s.decision.action !== 'allow') continue;
        this.#options.pipeline.onStatementEnd(s.event, {
          rowsReturned: unit.rowsReturned > 0 ? unit.rowsReturned : null,
          rowsAffected: unit.rowsAffected,
          // The upstream's last word, if it had one (a FATAL before it closed).
          sqlstate: unit.errorCode,
          durationMs: now - s.startedAt,
          unanswered: true,
          ...(masked.length > 0 ? { masked } : {}),
        });
        masked = [];
      }
    }
  }

  // ---- data from either side ----

  #onClientData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#bytesIn += chunk.length;
    this.#clientRelay.push(chunk);
  }

  #onUpstreamData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#bytesOut += chunk.length;
    this.#relay.push(chunk);
  }

  #readyForQuery(status: 'I' | 'T' | 'E'): void {
    this.#transactionStatus = status;
    // Denials whose marker was skipped (an earlier error in the same batch) will never come back.
    if (this.#tracker.idle) this.#denials.clear();
    if (this.#draining && this.#tracker.idle && !this.#clientRelay.blocked) {
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
    if (!this.#upstreamFull && !this.#clientRelay.blocked && !this.#closed) this.#client.resume();
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
