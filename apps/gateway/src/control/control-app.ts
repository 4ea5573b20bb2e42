import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { authenticate, requireGroups } from './auth';
import type { ControlState } from './control-state';
import { healthRoutes } from './routes/health-routes';
import { sessionRoutes } from './routes/session-routes';
import { SHARED_SCHEMAS } from './schemas';
import type { SessionDirectory } from './session-directory';

/**
 * Where later routes plug in, each into the scope whose guard it needs:
 * - `public`: no token (GET /metrics);
 * - `authenticated` under /v1: any valid token; the route checks groups itself
 *   with `requireGroups` (approvals: approvers or admins);
 * - `admin` under /v1: a valid token in control.admins (/v1/audit, /v1/explain,
 *   /v1/policy/reload).
 */
export interface ControlExtensions {
  readonly public?: readonly FastifyPluginAsync[];
  readonly authenticated?: readonly FastifyPluginAsync[];
  readonly admin?: readonly FastifyPluginAsync[];
}

export interface ControlAppOptions {
  readonly logger: Logger;
  /** The current state; read per request so a reload applies at once. */
  readonly state: () => ControlState;
  readonly sessions: SessionDirectory;
  readonly extensions?: ControlExtensions;
  /** PEM certificate and key: serve HTTPS. */
  readonly https?: { readonly cert: string; readonly key: string };
}

/**
 * Builds the control API without listening: main/start calls listen(), tests
 * call inject(). JSON in and out, OpenAPI at /docs.
 */
export async function buildControlApp(options: ControlAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    // The control API takes small JSON bodies only.
    bodyLimit: 1024 * 1024,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('identity', null);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: err.code ?? 'bad_request', message: err.message });
    // Server-side details stay in the log.
    request.log.error({ err }, 'control API request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse control API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or service token' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { state: options.state });
  for (const plugin of options.extensions?.public ?? []) await app.register(plugin);

  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(() => options.state().verifier));
      for (const plugin of options.extensions?.authenticated ?? []) await v1.register(plugin);
      await v1.register(async (admin) => {
        admin.addHook('onRequest', requireGroups(() => options.state().admins, 'an admin group (control.admins)'));
        await admin.register(sessionRoutes, { sessions: options.sessions });
        for (const plugin of options.extensions?.admin ?? []) await admin.register(plugin);
      });
    },
    { prefix: '/v1' },
  );
  return app;
}
