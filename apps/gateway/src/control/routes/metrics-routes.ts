import type { FastifyPluginAsync } from 'fastify';
import type { CredentialVerifier } from '@gatehouse/sql-core';
import type { MetricsSource } from '../../metrics/cluster-metrics';
import { authenticate, requireGroups } from '../auth';
import { errorRef } from '../schemas';

export interface MetricsRoutesOptions {
  readonly source: MetricsSource;
  /** control.metrics, read per request so a reload applies at once. */
  readonly access: () => 'public' | 'admin';
  readonly verifier: () => CredentialVerifier;
  readonly admins: () => readonly string[];
}

/**
 * GET /metrics in the Prometheus text format. Registered in the public
 * scope; with `control.metrics: admin` the same bearer-token and admin-group
 * checks as /v1 run first. The metrics name no subject, session or
 * statement: only targets, kinds, decisions, guardrail ids and counts.
 */
export function metricsRoutes(options: MetricsRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    const checkToken = authenticate(options.verifier);
    const checkAdmin = requireGroups(
      options.admins,
      'an admin group (control.admins), because control.metrics is admin',
    );
    app.get(
      '/metrics',
      {
        logLevel: 'warn',
        onRequest: async function metricsAccess(request, reply) {
          if (options.access() !== 'admin') return undefined;
          await checkToken.call(this, request, reply);
          if (reply.sent) return reply;
          await checkAdmin.call(this, request, reply);
          return reply.sent ? reply : undefined;
        },
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (all worker processes summed); public unless control.metrics is admin',
          produces: ['text/plain'],
          response: {
            200: { type: 'string', description: 'Prometheus text exposition format 0.0.4' },
            401: errorRef,
            403: errorRef,
          },
        },
      },
      async (_request, reply) => {
        const { contentType, body } = await options.source.scrape();
        return reply.type(contentType).send(body);
      },
    );
  };
}
