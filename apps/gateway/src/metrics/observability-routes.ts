import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { CredentialVerifier } from '@gatehouse/sql-core';
import { createAuditReader } from '../audit/audit-reader';
import type { GatehouseConfig } from '../config';
import { auditRoutes } from '../control/routes/audit-routes';
import { metricsRoutes } from '../control/routes/metrics-routes';
import { processMetricsSource } from './cluster-metrics';
import { metricsOf } from './process-metrics';

export interface ObservabilityRoutes {
  /** GET /metrics (public scope; checks control.metrics itself). */
  readonly public: readonly FastifyPluginAsync[];
  /** GET /v1/audit (admin scope). */
  readonly admin: readonly FastifyPluginAsync[];
  /** Closes the audit reader's connection, if it has one. */
  close(): Promise<void>;
}

/**
 * The control routes of issue 5 for one gateway process: GET /metrics over
 * this process's metrics (summed with the workers' in a cluster primary) and
 * GET /v1/audit over the PostgreSQL copy or the audit files. `owner` is the
 * process's services object (metricsOf key), shared with the engines.
 */
export function observabilityRoutes(options: {
  readonly owner: object;
  readonly config: () => GatehouseConfig;
  readonly verifier: CredentialVerifier;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}): ObservabilityRoutes {
  const reader = createAuditReader(options.config(), options.env, options.logger);
  return {
    public: [
      metricsRoutes({
        source: processMetricsSource(metricsOf(options.owner)),
        access: () => options.config().control.metrics,
        verifier: () => options.verifier,
        admins: () => options.config().control.admins,
      }),
    ],
    admin: [auditRoutes({ reader })],
    close: () => reader.close(),
  };
}
