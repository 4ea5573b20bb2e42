import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { GatewayError, newSessionId, SessionEndReason, type SessionContext } from '@gatehouse/sql-core';
import {
  decodeParameterStatus,
  encodeAuthenticationOk,
  encodeBackendKeyData,
  encodeErrorResponse,
  encodeReadyForQuery,
  ProtocolError,
} from '../codec';
import { acceptClient, UnframedStartupPacket, type HandshakeProgress } from './client-handshake';
import { CancelKeyRegistry } from './cancel-keys';
import { CatalogRegistry } from './catalog-cache';
import type { PostgresEngineOptions } from './engine-options';
import { fatalResponse, gatewayErrorResponse } from './error-response';
import { checkLexingParameter } from './lexing-parameters';
import { PostgresSession } from './session';
import { StartupSettings, StartupSettingsRefused } from './startup-settings';
import { connectUpstream, type UpstreamConnection } from './upstream-connection';

/**
 * Refusals recorded as auth.failed: the client could not prove who it is or
 * where it may go, or its upstream could not be reached (the metrics count those).
 */
const AUTH_FAILURES = new Set([
  'auth_failed',
  'plaintext_refused',
  'unknown_target',
  'no_upstream_login',
  'upstream_unavailable',
  // A startup setting (statement_timeout, options -c ...) the policy does not allow.
  'policy_denied',
  'analysis_failed',
]);

/**
 * The PostgreSQL listener: accepts clients, authenticates them, opens their
 * upstream connection and relays the session.
 */
export class PostgresEngine {
  readonly #options: PostgresEngineOptions;
  readonly #server: Server;
  readonly #cancelKeys: CancelKeyRegistry;
  /** What result columns are, per target and database (for masking). */
  readonly #catalogs: CatalogRegistry;
  readonly #sessions = new Set<PostgresSession>();
  readonly #handshakes = new Set<Socket>();
  /** Hands a CancelRequest for another worker's session to whoever routes it. */
  onForeignCancel: ((processId: number, secretKey: Buffer) => void) | null = null;

  constructor(options: PostgresEngineOptions) {
    this.#options = options;
    this.#cancelKeys = new CancelKeyRegistry(options.workerId ?? 0);
    this.#catalogs = new CatalogRegistry({
      logger: options.logger.child({ component: 'catalog' }),
      maxMessageSize: options.maxMessageSize,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    this.#server = createServer({ noDelay: true }, (socket) => void this.#accept(socket));
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** Cancels the session owning this key, if it is ours. */
  cancel(processId: number, secretKey: Buffer): boolean {
    return this.#cancelKeys.cancel(processId, secretKey);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Stops accepting; idle sessions end at once, busy ones when their statement
   * finishes or at the deadline, whichever is first.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.#server.close();
    for (const socket of this.#handshakes) socket.destroy();
    for (const session of this.#sessions) session.drain();
    const until = Date.now() + deadlineMs;
    while (this.#sessions.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    for (const session of this.#sessions) session.terminate('the gateway is shutting down');
    this.#catalogs.close();
  }

  async #accept(socket: Socket): Promise<void> {
    socket.setNoDelay(true);
    const clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    const log = this.#options.logger.child({ client: clientAddress });
    this.#handshakes.add(socket);
    socket.on('error', (err) => log.debug({ err }, 'client socket error during startup'));
    const signal = AbortSignal.timeout(this.#options.handshakeTimeoutMs);
    let clientSocket = socket;
    const progress: HandshakeProgress = { user: '', database: null, tls: false };
    let sessionStarted = false;
    try {
      const client = await acceptClient(socket, this.#options, signal, progress);
      if (client.kind === 'cancel') {
        // The protocol gives no answer to a CancelRequest; just close.
        if (!this.cancel(client.processId, client.secretKey) && this.onForeignCancel) {
          if (CancelKeyRegistry.workerOf(client.processId) !== (this.#options.workerId ?? 0)) {
            this.onForeignCancel(client.processId, client.secretKey);
          }
        }
        socket.destroy();
        return;
      }
      clientSocket = client.socket;
      const id = newSessionId();
      const context: SessionContext = {
        id,
        identity: client.identity,
        target: client.resolved.target,
        database: client.resolved.database,
        clientAddress,
        clientUser: client.parameters.get('user') ?? '',
        tls: client.tls,
        logger: this.#options.logger.child({ session: id, subject: client.identity.subject }),
      };
      const endpoint = this.#options.targets.upstreamFor(context.target, context.identity, context.database);
      const settings = StartupSettings.fromStartup(client.parameters);
      settings.judge(this.#options.pipeline, context);
      const dial = {
        signal: AbortSignal.timeout(this.#options.connectTimeoutMs),
        maxMessageSize: this.#options.maxMessageSize,
      };
      // Only the formatting parameters: the judged settings run after their intent is recorded.
      let upstream = await connectUpstream(endpoint, settings.upstreamParameters, dial).catch(
        (err: unknown) => {
          if (err instanceof GatewayError) {
            throw new GatewayError(err.code, `target "${context.target.name}": ${err.message}`, {
              cause: err,
            });
          }
          throw err;
        },
      );
      try {
        this.#checkLexing(upstream, context);
        // The session is on the record before the client can send anything (refused if it cannot be).
        await this.#options.pipeline.onSessionStart(context, endpoint.user);
      } catch (err) {
        upstream.socket.destroy();
        throw err;
      }
      // From here every way out records the session's end, and none is an auth.failed.
      sessionStarted = true;
      const started = performance.now();
      const endEarly = (): void => {
        upstream.socket.destroy();
        this.#options.pipeline.onSessionEnd(context, {
          upstreamUser: endpoint.user,
          reason: SessionEndReason.error,
          bytesIn: 0,
          bytesOut: 0,
          durationMs: performance.now() - started,
          statements: 0,
        });
      };
      try {
        upstream = await settings.apply(this.#options.pipeline, context, upstream, {
          ...dial,
          signal: AbortSignal.timeout(this.#options.connectTimeoutMs),
        });
        this.#checkLexing(upstream, context);
      } catch (err) {
        endEarly();
        throw err;
      }
      if (clientSocket.destroyed) {
        endEarly();
        return;
      }
      this.#handshakes.delete(socket);
      this.#startSession(context, client.socket, client.leftover, upstream, endpoint);
    } catch (err) {
      this.#handshakes.delete(socket);
      if (!sessionStarted && err instanceof GatewayError && AUTH_FAILURES.has(err.code)) {
        this.#options.pipeline.onAuthFailed({
          claimedUser: progress.user,
          reason: err.code,
          detail: err.message,
          clientAddress,
          engine: 'postgres',
          target: progress.database,
          tls: progress.tls,
        });
      }
      this.#refuse(clientSocket, err, log);
    }
  }

  /** Analysis lexes as the server does only with these parameters (see lexing-parameters). */
  #checkLexing(upstream: UpstreamConnection, context: SessionContext): void {
    for (const raw of upstream.parameterStatus) {
      const problem = checkLexingParameter(decodeParameterStatus(raw.subarray(5)));
      if (problem)
        throw new GatewayError('upstream_unavailable', `target "${context.target.name}": ${problem}`);
    }
  }

  #startSession(
    context: SessionContext,
    client: Socket,
    clientLeftover: Buffer,
    upstream: UpstreamConnection,
    endpoint: ReturnType<PostgresEngineOptions['targets']['upstreamFor']>,
  ): void {
    // The client sees the upstream's parameters, but keys of our own (see CancelKeyRegistry).
    let session: PostgresSession | null = null;
    const cancelKey = this.#cancelKeys.issue({ cancel: () => session?.cancel() });
    client.write(
      Buffer.concat([
        encodeAuthenticationOk(),
        ...upstream.parameterStatus,
        ...upstream.notices,
        encodeBackendKeyData(cancelKey.processId, cancelKey.secretKey),
        encodeReadyForQuery(upstream.transactionStatus),
      ]),
    );
    // Both sockets were paused since their handshakes; the session resumes them.
    session = new PostgresSession({
      context,
      client,
      clientLeftover,
      upstream,
      endpoint,
      catalog: this.#catalogs.for(context.target.name, context.database),
      cancelKey,
      options: this.#options,
      onClose: (s) => {
        this.#sessions.delete(s);
        this.#options.sessions.remove(s.id);
        this.#cancelKeys.release(s.cancelKey);
      },
    });
    this.#sessions.add(session);
    this.#options.sessions.add(session);
    context.logger.info(
      {
        target: context.target.name,
        database: context.database,
        upstreamUser: endpoint.user,
        tls: context.tls,
      },
      'session started',
    );
  }

  #refuse(socket: Socket, err: unknown, log: PostgresEngineOptions['logger']): void {
    let message: Buffer;
    if (err instanceof UnframedStartupPacket) {
      log.info({ reason: err.message }, 'unreadable startup packet: closed without an answer');
      socket.destroy();
      return;
    }
    if (err instanceof GatewayError) {
      message = gatewayErrorResponse(err, true).message;
      log.info({ code: err.code, reason: err.message }, 'connection refused');
    } else if (err instanceof StartupSettingsRefused) {
      message = encodeErrorResponse(err.fields);
      log.info({ code: err.fields.code }, 'the upstream refused the startup settings');
    } else if (err instanceof ProtocolError) {
      message = fatalResponse('08P01', err.message);
      log.info({ reason: err.message }, 'protocol violation during startup');
    } else {
      message = fatalResponse('08P01', 'the connection failed during startup');
      log.info({ err }, 'startup failed');
    }
    if (!socket.destroyed && socket.writable) socket.end(message);
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
