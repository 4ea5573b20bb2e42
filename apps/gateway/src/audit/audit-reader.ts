import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config';
import type { AuditReader } from './audit-query';
import { queryAuditFiles } from './file-audit-reader';
import { auditPostgresConnection } from './postgres-connection';
import { PostgresAuditTable } from './postgres-audit-table';

/**
 * The reader behind GET /v1/audit: the PostgreSQL copy when one is
 * configured with `query: true` (indexed, every gateway host in one table),
 * else a scan of this host's audit files, every worker's chain.
 */
export function createAuditReader(
  config: GatehouseConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): AuditReader {
  const pg = config.audit.postgres;
  if (pg?.query) {
    const table = new PostgresAuditTable(
      auditPostgresConnection(pg, config.targets, env),
      pg.table,
      logger.child({ component: 'audit-reader' }),
    );
    return { source: 'postgres', query: (q) => table.query(q), close: () => table.close() };
  }
  const file = config.audit.file;
  return { source: 'files', query: (q) => queryAuditFiles(file, q), close: async () => undefined };
}
