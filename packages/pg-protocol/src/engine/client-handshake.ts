import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { GatewayError, type Identity, type ResolvedTarget } from '@gatehouse/sql-core';
import {
  decodePasswordMessage,
  decodeStartupPacket,
  encodeAuthenticationCleartextPassword,
  encodeNegotiateProtocolVersion,
  FrontendCode,
  ProtocolError,
  SSL_ACCEPT,
  SSL_REFUSE,
} from '../codec';
import type { PostgresEngineOptions } from './engine-options';
import { HandshakeStream } from './handshake-stream';
import { tlsReady } from './tls-handshake';

/** A client that completed startup and proved its identity. */
export interface AcceptedClient {
  readonly kind: 'session';
  readonly socket: Socket;
  readonly tls: boolean;
  readonly parameters: ReadonlyMap<string, string>;
  readonly identity: Identity;
  readonly resolved: ResolvedTarget;
  /** Bytes the client sent after its credential (pipelined early queries). */
  readonly leftover: Buffer;
}

/**
 * The first packet's length is impossible, so the peer may not speak the
 * protocol at all: PostgreSQL closes such a connection without answering
 * (COMMERROR "invalid length of startup packet"), and so does the gateway.
 * A client that wrote Terminate before its StartupMessage (node-postgres
 * ended before it connected) must not get an error the server never sends.
 */
export class UnframedStartupPacket extends ProtocolError {}

/** A connection that only carried a CancelRequest. */
export interface CancelRequestClient {
  readonly kind: 'cancel';
  readonly processId: number;
  readonly secretKey: Buffer;
}

/**
 * Runs the client side of startup: SSLRequest/GSSENCRequest negotiation,
 * the StartupMessage, target resolution, and the cleartext credential
 * (a JWT or service token) checked by the identity service. Throws
 * GatewayError (or ProtocolError) for the caller to encode.
 */
/** What the handshake learnt before it failed, for the auth.failed audit record. */
export interface HandshakeProgress {
  user: string;
  database: string | null;
  tls: boolean;
}

export async function acceptClient(
  initial: Socket,
  options: PostgresEngineOptions,
  signal: AbortSignal,
  progress: HandshakeProgress = { user: '', database: null, tls: false },
): Promise<AcceptedClient | CancelRequestClient> {
  let socket: Socket = initial;
  let tls = false;
  let stream = new HandshakeStream(socket, { maxMessageSize: startupLimit(options), startup: true });
  try {
    let parameters: Map<string, string>;
    for (;;) {
      const msg = await stream.readMessage(signal).catch((err: unknown) => {
        throw err instanceof ProtocolError ? new UnframedStartupPacket(err.message) : err;
      });
      const packet = decodeStartupPacket(msg.payload);
      if (packet.type === 'ssl-request') {
        if (tls || !options.tls) {
          socket.write(SSL_REFUSE);
          continue;
        }
        // Bytes sent before the TLS handshake would be read as if encrypted: refuse them.
        if (stream.reader.pendingBytes > 0)
          throw new ProtocolError('data received after SSLRequest before TLS');
        stream.detach();
        socket.write(SSL_ACCEPT);
        socket = await startServerTls(socket, options, signal);
        tls = true;
        progress.tls = true;
        stream = new HandshakeStream(socket, { maxMessageSize: startupLimit(options), startup: true });
        continue;
      }
      if (packet.type === 'gssenc-request') {
        socket.write(SSL_REFUSE); // 'N': GSSAPI encryption is not offered.
        continue;
      }
      if (packet.type === 'cancel-request') {
        stream.detach();
        return { kind: 'cancel', processId: packet.processId, secretKey: packet.secretKey };
      }
      if (packet.majorVersion !== 3) {
        throw new GatewayError(
          'protocol_violation',
          `unsupported frontend protocol ${packet.majorVersion}.${packet.minorVersion}`,
        );
      }
      parameters = packet.parameters;
      progress.user = parameters.get('user') ?? '';
      progress.database = parameters.get('database') ?? null;
      const extensions = [...parameters.keys()].filter((k) => k.startsWith('_pq_.'));
      if (packet.minorVersion > 0 || extensions.length > 0) {
        // We speak 3.0 and no protocol extensions; the client falls back (protocol.sgml, NegotiateProtocolVersion).
        socket.write(encodeNegotiateProtocolVersion(0, extensions));
        for (const k of extensions) parameters.delete(k);
      }
      break;
    }

    const replication = parameters.get('replication');
    if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
      throw new GatewayError(
        'plaintext_refused',
        'replication connections are not supported through Gatehouse',
      );
    }
    const resolved = options.targets.resolve(
      parameters.get('database') ?? parameters.get('user'),
      'postgres',
    );

    if (!tls && !(options.allowPlaintextLoopback && isLoopback(socket.remoteAddress))) {
      throw new GatewayError(
        'plaintext_refused',
        'credentials are accepted only over TLS from this address; connect with sslmode=require',
      );
    }

    // Switch to typed messages: the next message is PasswordMessage.
    stream.reader.startup = false;
    socket.write(encodeAuthenticationCleartextPassword());
    const msg = await stream.readMessage(signal);
    if (msg.code !== FrontendCode.Password) throw new ProtocolError('expected a password message');
    const credential = decodePasswordMessage(msg.payload);
    if (credential.length === 0)
      throw new GatewayError('auth_failed', 'no credential given: send a token as the password');
    const identity = await options.verifier.verify(credential, signal);
    const leftover = stream.detach(true);
    return { kind: 'session', socket, tls, parameters, identity, resolved, leftover };
  } catch (err) {
    stream.detach();
    throw err;
  }
}

/** Startup packets are small: bound them far below the general message limit (PostgreSQL uses 10000). */
function startupLimit(options: PostgresEngineOptions): number {
  return Math.min(options.maxMessageSize, 16 * 1024);
}

function startServerTls(
  socket: Socket,
  options: PostgresEngineOptions,
  signal: AbortSignal,
): Promise<TLSSocket> {
  const tlsSocket = new TLSSocket(socket, { isServer: true, secureContext: options.tls });
  return tlsReady(
    tlsSocket,
    'secure',
    signal,
    (err) => new GatewayError('protocol_violation', `TLS handshake failed: ${err.message}`),
  );
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
