import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Pipeline } from '@gatehouse/sql-core';
import { PostgresEngine } from '@gatehouse/pg-protocol';
import type { ListenerConfig } from '../config';
import { ensureDevCertificate } from './dev-certificate';
import type { EngineListener, GatewayServices } from './engine-wiring';

/** Starts one PostgreSQL listener from its config entry. */
export async function startPostgresListener(
  listener: ListenerConfig,
  services: GatewayServices,
  pipeline: Pipeline,
  workerId: number,
): Promise<EngineListener & { engine: PostgresEngine }> {
  const config = services.config();
  let tls;
  if (listener.tls) {
    await ensureDevCertificate(listener.tls);
    tls = createSecureContext({ cert: readFileSync(listener.tls.cert), key: readFileSync(listener.tls.key) });
  }
  const name = `postgres ${listener.host}:${listener.port}`;
  const engine = new PostgresEngine({
    host: listener.host,
    port: listener.port,
    tls,
    verifier: services.verifier,
    targets: services.targets,
    pipeline,
    sessions: services.sessions,
    logger: services.logger.child({ listener: name }),
    allowPlaintextLoopback: config.identity.allow_plaintext_loopback,
    maxMessageSize: config.limits.max_message_size,
    handshakeTimeoutMs: config.limits.auth_timeout,
    connectTimeoutMs: config.limits.connect_timeout,
    workerId,
  });
  if (services.forwardCancel) engine.onForeignCancel = services.forwardCancel;
  const address = await engine.listen();
  services.logger.info(
    { host: address.address, port: address.port, tls: Boolean(tls) },
    'postgres listener ready',
  );
  return {
    name,
    engine,
    stop: (deadlineMs) => engine.stop(deadlineMs),
    cancel: (processId, secretKey) => engine.cancel(processId, secretKey),
  };
}
