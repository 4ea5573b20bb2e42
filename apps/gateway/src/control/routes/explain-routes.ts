import type { FastifyPluginAsync } from 'fastify';
import type { GatehouseConfig } from '../../config';
import { ExplainInputError, Explainer } from '../../explain';
import { errorRef } from '../schemas';
import { explainBodySchema, explainReportSchema } from './explain-schemas';

export interface ExplainRoutesOptions {
  /** The running config: explain judges with the rules in force now. */
  readonly config: () => GatehouseConfig;
}

const BODY_KEYS: readonly string[] = Object.keys(explainBodySchema.properties);

interface ExplainBody {
  readonly identity: string;
  readonly groups: string[];
  readonly target: string;
  readonly database?: string;
  readonly sql: string;
}

/**
 * POST /v1/explain, for the admin scope: what the gateway would do with a
 * statement and why, the same report as `gatehouse explain --json`. Nothing
 * runs and nothing is recorded (statements that would run are only described
 * by the target, for masking); the parser is loaded on first use.
 */
export function explainRoutes(options: ExplainRoutesOptions): FastifyPluginAsync {
  let explainer: Promise<Explainer> | null = null;
  return async (app) => {
    app.post<{ Body: ExplainBody }>(
      '/explain',
      {
        schema: {
          tags: ['policy'],
          summary:
            'The facts, the matching rule, the decision and the masked result columns for a statement, without running it',
          security: [{ bearer: [] }],
          body: explainBodySchema,
          response: { 200: explainReportSchema, 400: errorRef, 401: errorRef, 403: errorRef, 422: errorRef },
        },
        // Fastify drops unknown keys silently; a misspelt "databse" must not explain another database.
        preValidation: async (request, reply) => {
          const body: unknown = request.body;
          if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
          const unknown = Object.keys(body).filter((k) => !BODY_KEYS.includes(k));
          if (unknown.length === 0) return undefined;
          return reply.code(400).send({
            error: 'bad_request',
            message: `unknown key ${JSON.stringify(unknown[0])} in the body; use ${BODY_KEYS.join(', ')}`,
          });
        },
      },
      async (request, reply) => {
        explainer ??= Explainer.create();
        // A failed parser load is retried by the next request rather than cached.
        const ready = await explainer.catch((err: unknown) => {
          explainer = null;
          throw err;
        });
        const { identity, groups, target, database, sql } = request.body;
        try {
          return await ready.explain(options.config(), {
            subject: identity,
            groups: [...new Set(groups)],
            target,
            ...(database !== undefined ? { database } : {}),
            sql,
          });
        } catch (err) {
          if (err instanceof ExplainInputError)
            return reply.code(422).send({ error: 'unknown_target', message: err.message });
          throw err;
        }
      },
    );
  };
}
