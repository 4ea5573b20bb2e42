import { readFileSync } from 'node:fs';
import type { PoolConfig } from 'pg';
import type { AuditPostgresConfig, TargetConfig } from '../config';

/**
 * The connection of the PostgreSQL audit sink: its own login (never a
 * client's), from `dsn_env` (a libpq URL in the environment) or from a
 * configured target's host, port and TLS mode with `user`/`password_env`.
 * Throws an Error naming the key to fix.
 */
export function auditPostgresConnection(
  config: AuditPostgresConfig,
  targets: readonly TargetConfig[],
  env: NodeJS.ProcessEnv,
): PoolConfig {
  const base: PoolConfig = {
    // One connection inserts; a second serves GET /v1/audit without waiting behind a batch.
    max: 2,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5000,
    application_name: 'gatehouse-audit',
  };
  if (config.dsn_env !== null) {
    const dsn = env[config.dsn_env];
    if (!dsn)
      throw new Error(
        `audit.postgres.dsn_env: ${config.dsn_env} is not set; export it with a postgres:// URL`,
      );
    return { ...base, connectionString: dsn };
  }
  const target = targets.find((t) => t.name === config.target);
  if (!target) throw new Error(`audit.postgres.target: no target named "${config.target}"`);
  let password: string | undefined;
  if (config.password_env !== null) {
    password = env[config.password_env];
    if (password === undefined)
      throw new Error(`audit.postgres.password_env: ${config.password_env} is not set`);
  }
  const up = target.upstream;
  return {
    ...base,
    host: up.host,
    port: up.port,
    database: config.database ?? up.database,
    user: config.user ?? undefined,
    password,
    // node-postgres has no opportunistic TLS: prefer connects in clear, as it would to a server without TLS.
    ssl:
      up.tls === 'disable' || up.tls === 'prefer'
        ? false
        : up.tls === 'require'
          ? { rejectUnauthorized: false }
          : {
              rejectUnauthorized: true,
              servername: up.host,
              ...(up.ca ? { ca: readFileSync(up.ca, 'utf8') } : {}),
            },
  };
}
