import type { FastifyPluginAsync } from 'fastify';
import { errorRef } from '../schemas';
import type { SessionDirectory } from '../session-directory';

export interface SessionRoutesOptions {
  readonly sessions: SessionDirectory;
}

const security = [{ bearer: [] }];

/** /v1/sessions: registered inside the admin scope, so every route here needs an admin token. */
export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, { sessions }) => {
  app.get(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Live sessions across the gateway',
        security,
        response: {
          200: { type: 'object', required: ['sessions'], properties: { sessions: { type: 'array', items: { $ref: 'SessionInfo#' } } } },
          401: errorRef,
          403: errorRef,
        },
      },
    },
    async () => ({ sessions: await sessions.list() }),
  );

  app.delete<{ Params: { id: string } }>(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'End a session: its client gets an admin-shutdown error and is disconnected',
        security,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^ses_[A-Za-z0-9_-]{1,64}$' } },
        },
        response: {
          200: { type: 'object', required: ['id', 'terminated'], properties: { id: { type: 'string' }, terminated: { type: 'boolean' } } },
          401: errorRef,
          403: errorRef,
          404: errorRef,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const by = request.identity?.subject ?? 'unknown';
      const terminated = await sessions.terminate(id, `terminated by ${by} through the control API`);
      if (!terminated) return reply.code(404).send({ error: 'not_found', message: `no session ${id}` });
      request.log.info({ session: id, by }, 'session terminated through the control API');
      return { id, terminated: true };
    },
  );
};
