import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { GatewayError, type UpstreamEndpoint } from '@gatehouse/sql-core';
import {
  BackendCode,
  decodeAuthentication,
  decodeBackendKeyData,
  decodeErrorFields,
  decodeParameterStatus,
  decodeReadyForQuery,
  encodeCancelRequest,
  encodePasswordMessage,
  encodeQuery,
  encodeSaslInitialResponse,
  encodeSaslResponse,
  encodeSslRequest,
  encodeStartupMessage,
  ProtocolError,
  type ErrorFields,
} from '../codec';
import { HandshakeStream } from './handshake-stream';
import { md5PasswordResponse, ScramClient } from './scram-client';
import { tlsReady } from './tls-handshake';

/** An authenticated upstream connection, ready for queries. */
export interface UpstreamConnection {
  readonly socket: Socket;
  readonly tls: boolean;
  /** ParameterStatus messages as received, to replay to the client. */
  readonly parameterStatus: readonly Buffer[];
  /** NoticeResponse messages received during login, to replay to the client. */
  readonly notices: readonly Buffer[];
  readonly processId: number;
  readonly secretKey: Buffer;
  readonly transactionStatus: 'I' | 'T' | 'E';
  /** Bytes received after ReadyForQuery, for the relay's reader. */
  readonly leftover: Buffer;
}

export interface UpstreamDialOptions {
  readonly signal: AbortSignal;
  readonly maxMessageSize: number;
}

/** Opens a TCP connection and negotiates TLS as the endpoint's mode asks. */
export async function dialUpstream(
  endpoint: UpstreamEndpoint,
  options: UpstreamDialOptions,
): Promise<Socket> {
  const socket = await openSocket(endpoint, options.signal);
  if (endpoint.tls === 'disable') return socket;
  const stream = new HandshakeStream(socket, { maxMessageSize: options.maxMessageSize, startup: true });
  try {
    socket.write(encodeSslRequest());
    const answer = await stream.readByte(options.signal);
    // Paused before TLS takes the socket over: a flowing socket under tls.connect trips an internal assertion.
    stream.detach(true);
    if (answer === 0x53 /* 'S' */) return await startTls(socket, endpoint, options.signal);
    if (answer !== 0x4e /* 'N' */)
      throw new ProtocolError('upstream answered SSLRequest with neither S nor N');
    if (endpoint.tls === 'prefer') return socket;
    throw new Error('the upstream does not accept TLS, and the target requires it');
  } catch (err) {
    stream.detach();
    socket.destroy();
    throw err;
  }
}

/**
 * Dials, logs in with the endpoint's login and waits for the first
 * ReadyForQuery. Errors are GatewayError `upstream_unavailable` naming the
 * cause; the upstream password never appears in them.
 */
export async function connectUpstream(
  endpoint: UpstreamEndpoint,
  startupParameters: ReadonlyMap<string, string>,
  options: UpstreamDialOptions,
): Promise<UpstreamConnection> {
  let socket: Socket;
  try {
    socket = await dialUpstream(endpoint, options);
  } catch (err) {
    throw new GatewayError(
      'upstream_unavailable',
      `cannot reach ${endpoint.host}:${endpoint.port}: ${describe(err)}`,
      {
        cause: err,
      },
    );
  }
  const stream = new HandshakeStream(socket, { maxMessageSize: options.maxMessageSize, startup: false });
  try {
    const params = new Map(startupParameters);
    params.set('user', endpoint.user);
    params.set('database', endpoint.database);
    socket.write(encodeStartupMessage(params));
    await authenticate(stream, socket, endpoint, options.signal);

    const parameterStatus: Buffer[] = [];
    const notices: Buffer[] = [];
    let processId = 0;
    let secretKey: Buffer = Buffer.alloc(0);
    for (;;) {
      const msg = await stream.readMessage(options.signal);
      switch (msg.code) {
        case BackendCode.ParameterStatus:
          parameterStatus.push(msg.raw);
          break;
        case BackendCode.BackendKeyData: {
          const key = decodeBackendKeyData(msg.payload);
          processId = key.processId;
          secretKey = key.secretKey;
          break;
        }
        case BackendCode.NoticeResponse:
          notices.push(msg.raw);
          break;
        case BackendCode.ErrorResponse:
          throw upstreamError(decodeErrorFields(msg.payload));
        case BackendCode.ReadyForQuery: {
          const transactionStatus = decodeReadyForQuery(msg.payload);
          const leftover = stream.detach(true);
          return {
            socket,
            tls: 'encrypted' in socket,
            parameterStatus,
            notices,
            processId,
            secretKey,
            transactionStatus,
            leftover,
          };
        }
        default:
          throw new ProtocolError(`unexpected upstream message ${String.fromCharCode(msg.code)} after login`);
      }
    }
  } catch (err) {
    stream.detach();
    socket.destroy();
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      'upstream_unavailable',
      `login to ${endpoint.host}:${endpoint.port} failed: ${describe(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** What the upstream answered to a query run before the session relays anything. */
export interface StartupQueryAnswer {
  /** The connection as the client is to see it: ParameterStatus updated, notices added, new leftover. */
  readonly upstream: UpstreamConnection;
  /** The upstream's ErrorResponse, null when every statement completed. */
  readonly error: ErrorFields | null;
}

/**
 * Runs one simple Query of statements that return no rows (the SET
 * statements of the startup settings) on a logged-in connection the session
 * has not taken yet, up to its ReadyForQuery. The ParameterStatus messages it
 * causes replace or join the login's, so the client learns them before its
 * first ReadyForQuery. Anything but a command's completion, a notice, a
 * parameter or an error is a protocol violation; a closed or silent upstream
 * rejects (the statement's outcome is then unknown).
 */
export async function runStartupQuery(
  upstream: UpstreamConnection,
  sql: string,
  options: UpstreamDialOptions,
): Promise<StartupQueryAnswer> {
  const stream = new HandshakeStream(upstream.socket, {
    maxMessageSize: options.maxMessageSize,
    startup: false,
  });
  if (upstream.leftover.length > 0) stream.reader.push(upstream.leftover);
  const parameterStatus = [...upstream.parameterStatus];
  const notices = [...upstream.notices];
  let error: ErrorFields | null = null;
  try {
    upstream.socket.write(encodeQuery(sql));
    for (;;) {
      const msg = await stream.readMessage(options.signal);
      switch (msg.code) {
        case BackendCode.CommandComplete:
          break;
        case BackendCode.ParameterStatus: {
          const { name } = decodeParameterStatus(msg.payload);
          const at = parameterStatus.findIndex((raw) => decodeParameterStatus(raw.subarray(5)).name === name);
          if (at >= 0) parameterStatus[at] = msg.raw;
          else parameterStatus.push(msg.raw);
          break;
        }
        case BackendCode.NoticeResponse:
          notices.push(msg.raw);
          break;
        case BackendCode.ErrorResponse:
          error ??= decodeErrorFields(msg.payload);
          break;
        case BackendCode.ReadyForQuery: {
          const transactionStatus = decodeReadyForQuery(msg.payload);
          const leftover = stream.detach(true);
          return {
            upstream: { ...upstream, parameterStatus, notices, transactionStatus, leftover },
            error,
          };
        }
        default:
          throw new ProtocolError(
            `unexpected upstream message ${String.fromCharCode(msg.code)} in answer to the startup settings`,
          );
      }
    }
  } catch (err) {
    stream.detach();
    throw err;
  }
}

async function authenticate(
  stream: HandshakeStream,
  socket: Socket,
  endpoint: UpstreamEndpoint,
  signal: AbortSignal,
): Promise<void> {
  let scram: ScramClient | null = null;
  for (;;) {
    const msg = await stream.readMessage(signal);
    if (msg.code === BackendCode.ErrorResponse) throw upstreamError(decodeErrorFields(msg.payload));
    if (msg.code === BackendCode.NegotiateProtocolVersion || msg.code === BackendCode.NoticeResponse)
      continue;
    if (msg.code !== BackendCode.Authentication) {
      throw new ProtocolError(`unexpected upstream message ${String.fromCharCode(msg.code)} during login`);
    }
    const auth = decodeAuthentication(msg.payload);
    switch (auth.type) {
      case 'ok':
        if (scram) throw new Error('upstream ended SCRAM without proving it knows the password');
        return;
      case 'cleartext-password':
        socket.write(encodePasswordMessage(requirePassword(endpoint)));
        break;
      case 'md5-password':
        socket.write(
          encodePasswordMessage(md5PasswordResponse(endpoint.user, requirePassword(endpoint), auth.salt)),
        );
        break;
      case 'sasl':
        if (!auth.mechanisms.includes(ScramClient.mechanism)) {
          throw new Error(`upstream offers no supported SASL mechanism (${auth.mechanisms.join(', ')})`);
        }
        scram = new ScramClient(requirePassword(endpoint));
        socket.write(encodeSaslInitialResponse(ScramClient.mechanism, scram.clientFirst()));
        break;
      case 'sasl-continue':
        if (!scram) throw new ProtocolError('SASL continue before SASL start');
        socket.write(encodeSaslResponse(scram.clientFinal(auth.data)));
        break;
      case 'sasl-final':
        if (!scram) throw new ProtocolError('SASL final before SASL start');
        scram.verifyServerFinal(auth.data);
        scram = null;
        break;
      case 'unsupported':
        throw new Error(`upstream asks for an unsupported authentication method (code ${auth.code})`);
    }
  }
}

/** Forwards a client's CancelRequest to the upstream with the upstream's own key (no answer comes back). */
export async function sendUpstreamCancel(
  endpoint: UpstreamEndpoint,
  key: { processId: number; secretKey: Buffer },
  options: UpstreamDialOptions,
): Promise<void> {
  const socket = await dialUpstream(endpoint, options);
  socket.on('error', () => undefined);
  socket.end(encodeCancelRequest(key.processId, key.secretKey));
}

function requirePassword(endpoint: UpstreamEndpoint): string {
  if (endpoint.password === undefined)
    throw new Error(`upstream asks for a password and login ${endpoint.user} has none`);
  return endpoint.password;
}

function upstreamError(fields: { code: string; message: string }): GatewayError {
  return new GatewayError(
    'upstream_unavailable',
    `upstream refused the login: ${fields.message} (SQLSTATE ${fields.code})`,
  );
}

function openSocket(endpoint: UpstreamEndpoint, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: endpoint.host, port: endpoint.port });
    socket.setNoDelay(true);
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('connect timed out'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

function startTls(socket: Socket, endpoint: UpstreamEndpoint, signal: AbortSignal): Promise<TLSSocket> {
  const verify = endpoint.tls === 'verify-full';
  const tlsSocket = tlsConnect({
    socket,
    // SNI only for host names, as libpq does.
    ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
    ...(endpoint.tlsCa ? { ca: endpoint.tlsCa } : {}),
    rejectUnauthorized: verify,
    // 'require' and 'prefer' encrypt without verifying, like libpq's sslmode of the same names.
    // (Passing checkServerIdentity: undefined would replace Node's default check: omit it instead.)
    ...(verify ? {} : { checkServerIdentity: () => undefined }),
  });
  return tlsReady(tlsSocket, 'secureConnect', signal);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
