import { basename, dirname, extname, join } from 'node:path';
import type { Logger } from 'pino';
import type { AuditSink } from '@gatehouse/sql-core';
import type { AuditConfig } from '../config';
import { FileAuditSink } from './file-sink';

/**
 * The audit file of one process. A file holds one hash chain and takes one
 * writer, so each cluster worker writes its own: `audit.jsonl` in a single
 * process, `audit.w1.jsonl`, `audit.w2.jsonl`... for workers 1..N.
 */
export function auditFileFor(config: AuditConfig, workerId: number): string {
  if (workerId === 0) return config.file;
  const ext = extname(config.file);
  return join(dirname(config.file), `${basename(config.file, ext)}.w${workerId}${ext || '.jsonl'}`);
}

/** Opens the configured audit sinks of this process. */
export async function openAuditSinks(config: AuditConfig, logger: Logger, workerId: number): Promise<AuditSink> {
  return FileAuditSink.open({ path: auditFileFor(config, workerId), logger: logger.child({ component: 'audit' }) });
}
