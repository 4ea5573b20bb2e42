import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ApprovalError } from '../approval-error';

/** How the package reaches Redis. */
export interface RedisSettings {
  /** `redis://[:password@]host:port[/db]` or `rediss://` for TLS. */
  readonly url: string;
  /** Extra ioredis options (TLS material, username...); the package's own safety options win. */
  readonly options?: RedisOptions;
  /** Bound on establishing a connection, and on waiting for it before a command. */
  readonly connectTimeoutMs: number;
  /** Bound on one command's reply. */
  readonly commandTimeoutMs: number;
}

export const ConnectionRole = {
  /** Commands and scripts: fails fast, never queues while disconnected. */
  command: 'command',
  /** The pub/sub subscriber: resubscribed by hand so waiters can re-read after it. */
  subscriber: 'subscriber',
  /** BullMQ queues and workers: BullMQ requires unlimited retries per request. */
  bullmq: 'bullmq',
} as const;
export type ConnectionRole = (typeof ConnectionRole)[keyof typeof ConnectionRole];

/** Reconnect forever, backing off to at most 2 s between attempts. */
function retryStrategy(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2000);
}

export function createConnection(settings: RedisSettings, role: ConnectionRole, logger: Logger): Redis {
  const base: RedisOptions = {
    ...settings.options,
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    retryStrategy,
    // ioredis keeps a timer this long after disconnect() on a socket that never opened.
    disconnectTimeout: 500,
    connectionName: `gatehouse-approvals-${role}`,
  };
  const byRole: Record<ConnectionRole, RedisOptions> = {
    // No offline queue: while Redis is away a command fails at once instead of
    // waiting, so a statement that needs review is denied promptly (fail closed).
    command: {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: settings.commandTimeoutMs,
    },
    subscriber: { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false },
    bullmq: { enableOfflineQueue: true, maxRetriesPerRequest: null },
  };
  const redis = new Redis(settings.url, { ...base, ...byRole[role] });
  let healthy = true;
  redis.on('ready', () => {
    if (!healthy) logger.info({ role }, 'approval store reachable again');
    healthy = true;
  });
  redis.on('error', (err: Error) => {
    // One warning per outage; the retries that follow go to debug.
    if (healthy) logger.warn({ role, err: err.message }, 'approval store unreachable');
    else logger.debug({ role, err: err.message }, 'approval store still unreachable');
    healthy = false;
  });
  return redis;
}

/**
 * Resolves when `redis` can take a command. A connection known to be down
 * (`reconnecting`) fails at once; one that is still connecting gets up to
 * `timeoutMs`. Fails with `store_unavailable` otherwise.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  const status = redis.status;
  if (status === 'ready') return Promise.resolve();
  if (status === 'wait') return Promise.reject(unavailable('the approval service has not been started'));
  if (status !== 'connecting' && status !== 'connect') {
    return Promise.reject(unavailable(`the approval store is unreachable (${status})`));
  }
  return new Promise<void>((resolve, reject) => {
    const done = (err?: ApprovalError): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onClose = (): void => done(unavailable('the approval store is unreachable (connection closed)'));
    const timer = setTimeout(
      () => done(unavailable(`the approval store did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    redis.once('ready', onReady);
    redis.once('close', onClose);
  });
}

export function unavailable(message: string, cause?: unknown): ApprovalError {
  return new ApprovalError('store_unavailable', message, {}, cause === undefined ? undefined : { cause });
}

/** Any Redis or network failure becomes `store_unavailable`; ApprovalErrors pass through. */
export function asStoreError(err: unknown): ApprovalError {
  if (err instanceof ApprovalError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return unavailable(`the approval store failed: ${detail}`, err);
}

/** Close a connection without waiting on a server that may be gone. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}
