import type { FastifyPluginAsync } from 'fastify';
import type { ControlState } from '../control-state';
import { probeTcp } from '../upstream-probe';

export interface HealthRoutesOptions {
  readonly state: () => ControlState;
}

const targetStatusSchema = {
  type: 'object',
  required: ['name', 'reachable'],
  properties: {
    name: { type: 'string' },
    reachable: { type: 'boolean' },
    error: { type: 'string', description: 'Why the upstream could not be reached' },
  },
} as const;

const readySchema = {
  type: 'object',
  required: ['status', 'targets'],
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable', 'draining'] },
    targets: { type: 'array', items: targetStatusSchema },
  },
} as const;

/**
 * Public probes. /readyz names the target that is down but not its address:
 * it answers anyone who can reach the control port.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { state }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Liveness: ok while the process runs',
        response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: "Readiness: every target's upstream accepts TCP connections",
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_request, reply) => {
      const { targets, readinessTimeoutMs, draining } = state();
      if (draining) return reply.code(503).send({ status: 'draining', targets: [] });
      const results = await Promise.all(
        targets.map(async (t) => ({ name: t.name, ...(await probeTcp(t.upstream.host, t.upstream.port, readinessTimeoutMs)) })),
      );
      const ready = results.every((r) => r.reachable);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', targets: results });
    },
  );
};
