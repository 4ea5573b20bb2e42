import type { FastifyPluginAsync } from 'fastify';
import type { ReloadResult } from '../../runtime/gateway-reload';
import type { ReloadRequest } from '../../runtime/policy-reload';
import { errorRef } from '../schemas';

export interface PolicyReloadRoutesOptions {
  /** The gateway's reload: the same one SIGHUP runs. */
  readonly reload: (request: ReloadRequest) => Promise<ReloadResult>;
}

const strings = { type: 'array', items: { type: 'string' } } as const;
const summary = {
  type: 'object',
  required: ['rules', 'sha256'],
  properties: { rules: strings, sha256: { type: 'string' } },
} as const;

const appliedSchema = {
  type: 'object',
  required: ['applied', 'changed', 'rules', 'needsRestart', 'workers'],
  properties: {
    applied: { type: 'boolean', enum: [true] },
    changed: { type: 'boolean', description: 'False when the rules are exactly as before' },
    rules: {
      type: 'object',
      required: ['before', 'after', 'added', 'removed', 'modified'],
      properties: {
        before: summary,
        after: summary,
        added: strings,
        removed: strings,
        modified: { ...strings, description: 'Ids in both whose rule differs' },
      },
    },
    needsRestart: { ...strings, description: 'Config keys whose change takes effect only after a restart' },
    workers: {
      type: 'array',
      description: 'Cluster mode: each worker and the rules it enforces now; empty in a single process',
      items: {
        type: 'object',
        required: ['worker', 'applied', 'policy'],
        properties: {
          worker: { type: 'integer' },
          applied: { type: 'boolean' },
          policy: { anyOf: [summary, { type: 'null' }] },
          error: { type: 'string' },
        },
      },
    },
  },
} as const;

const refusedSchema = {
  type: 'object',
  required: ['error', 'message', 'issues'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    issues: { ...strings, description: 'Every problem found, one line each, key path first' },
  },
} as const;

/**
 * POST /v1/policy/reload, for the admin scope: re-reads the config file. A
 * bad file keeps every running rule and answers 422 with every problem; a
 * good one is swapped in whole (in every worker) without dropping sessions,
 * and the answer says which rules changed.
 */
export function policyReloadRoutes(options: PolicyReloadRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.post(
      '/policy/reload',
      {
        schema: {
          tags: ['policy'],
          summary: 'Re-read the config file and swap the policy (and the rest of the config) whole',
          security: [{ bearer: [] }],
          response: {
            200: appliedSchema,
            401: errorRef,
            403: errorRef,
            422: refusedSchema,
            500: refusedSchema,
            503: refusedSchema,
          },
        },
      },
      async (request, reply) => {
        const actor = request.identity?.subject ?? null;
        const result = await options.reload({ trigger: 'api', actor });
        if (!result.applied) {
          const status = result.issues.length === 0 ? 503 : 422;
          const error = status === 503 ? 'unavailable' : 'invalid_config';
          const message =
            status === 503
              ? result.reason
              : 'the configuration file was refused; the running rules stay in force';
          return reply.code(status).send({ error, message, issues: result.issues });
        }
        request.log.info(
          { actor, rules: result.policy.after.rules.length },
          'policy reloaded through the control API',
        );
        const lagging = result.workers.filter(
          (w) => !w.applied || w.policy?.sha256 !== result.policy.after.sha256,
        );
        if (lagging.length > 0) {
          return reply.code(500).send({
            error: 'reload_incomplete',
            message:
              'the new configuration is in force here, but not in every worker; fix the file and reload again',
            issues: lagging.map(
              (w) =>
                `worker ${w.worker}: ${w.applied ? 'enforces rules read from a different version of the file' : (w.error ?? 'kept its rules')}`,
            ),
          });
        }
        return {
          applied: true,
          changed: result.policy.changed,
          rules: {
            before: result.policy.before,
            after: result.policy.after,
            added: result.policy.added,
            removed: result.policy.removed,
            modified: result.policy.modified,
          },
          needsRestart: result.needsRestart,
          workers: result.workers,
        };
      },
    );
  };
}
