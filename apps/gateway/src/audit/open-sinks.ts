import { hostname } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditConfig, TargetConfig } from '../config';
import { AuditFanOut, type AuditObserver } from './audit-fan-out';
import { FileAuditSink } from './file-sink';
import { auditPostgresConnection } from './postgres-connection';
import { PostgresAuditTable } from './postgres-audit-table';
import { PostgresAuditReplica } from './postgres-sink';
import { ReplicaQueue, type AuditReplica, type ReplicaQueueHooks } from './replica-queue';
import { WebhookAuditReplica } from './webhook-sink';

/**
 * The audit file of one process. A file holds one hash chain and takes one
 * writer, so each cluster worker writes its own: `audit.jsonl` in a single
 * process, `audit.w1.jsonl`, `audit.w2.jsonl`... for workers 1..N.
 */
export function auditFileFor(config: Pick<AuditConfig, 'file'>, workerId: number): string {
  if (workerId === 0) return config.file;
  const ext = extname(config.file);
  return join(dirname(config.file), `${basename(config.file, ext)}.w${workerId}${ext || '.jsonl'}`);
}

/** How a file's chain is named in the copies and in GET /v1/audit: `<host>:<stem>`. */
export function auditChainName(file: string, host = hostname()): string {
  return `${host}:${basename(file, extname(file))}`;
}

export interface AuditSinkExtras {
  /** For audit.postgres.target. */
  readonly targets?: readonly TargetConfig[];
  /** Where dsn_env, password_env, url_env and headers_env are read. */
  readonly env?: NodeJS.ProcessEnv;
  /** Metrics and spans. */
  readonly observers?: readonly AuditObserver[];
  readonly replicaHooks?: ReplicaQueueHooks;
}

/**
 * Opens the configured audit sinks of this process: the file (the only one
 * whose write gates statements), then the best-effort copies (PostgreSQL,
 * webhook), all behind one AuditFanOut. Rejects when the file cannot be
 * opened or a copy is misconfigured (a variable it names is not set);
 * an unreachable copy does not stop the start.
 */
export async function openAuditSinks(
  config: AuditConfig,
  logger: Logger,
  workerId: number,
  extras: AuditSinkExtras = {},
): Promise<AuditFanOut> {
  const log = logger.child({ component: 'audit' });
  const env = extras.env ?? process.env;
  const path = auditFileFor(config, workerId);
  const replicas: AuditReplica[] = [];
  if (config.postgres) {
    const table = new PostgresAuditTable(
      auditPostgresConnection(config.postgres, extras.targets ?? [], env),
      config.postgres.table,
      log,
    );
    // Created now if the server answers; otherwise before the first insert (the copy buffers meanwhile).
    table
      .ensure()
      .catch((err: unknown) =>
        log.error(
          { err, table: config.postgres?.table },
          'audit table could not be created yet; retrying with the first batch',
        ),
      );
    replicas.push(new PostgresAuditReplica(table));
  }
  if (config.webhook) replicas.push(new WebhookAuditReplica(config.webhook, env));
  const settings = { postgres: config.postgres, webhook: config.webhook } as const;
  const queues = replicas.map((replica) => {
    const s = settings[replica.name as keyof typeof settings]!;
    return new ReplicaQueue(replica, {
      batch: s.batch,
      buffer: s.buffer,
      flushIntervalMs: s.flush_interval,
      logger: log,
      ...(extras.replicaHooks ? { hooks: extras.replicaHooks } : {}),
    });
  });

  let primary: FileAuditSink | null = null;
  if (config.enabled) {
    try {
      primary = await FileAuditSink.open({
        path,
        logger: log,
        durability: config.durability,
        fsyncIntervalMs: config.fsync_interval,
        fsyncEveryRecords: config.fsync_records,
        rotateBytes: config.rotate_size,
      });
    } catch (err) {
      await Promise.all(queues.map((q) => q.close(0)));
      throw err;
    }
  } else {
    log.error('AUDIT DISABLED (audit.enabled: false): statements run with no audit record');
  }
  const keep = config.keep_full_text;
  return new AuditFanOut({
    primary,
    chain: auditChainName(path),
    replicas: queues,
    observers: extras.observers ?? [],
    keepFullText: keep === true ? null : new Set(keep === false ? [] : keep),
    logger: log,
  });
}

/** Whether the pipeline should build intents with the full text (then AuditFanOut keeps it only for the listed targets). */
export function wantsFullText(config: AuditConfig): boolean {
  return (
    config.keep_full_text === true ||
    (Array.isArray(config.keep_full_text) && config.keep_full_text.length > 0)
  );
}
