import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  isApprovalError,
  type ApprovalRequest,
  type ApprovalService,
  type ApprovalStatus,
  type DecisionKind,
} from '@gatehouse/approvals';
import type { Identity } from '@gatehouse/sql-core';
import { errorRef } from '../schemas';
import {
  approvalIdParams,
  approvalListQuery,
  approvalRequestSchema,
  decisionBody,
  denyBody,
} from './approvals-schemas';

export interface ApprovalRoutesOptions {
  /** Null when approvals are not configured: every route answers 503 saying so. */
  readonly service: ApprovalService | null;
  /** Groups that may read every request: control.admins, approvals.approvers and every rule's approvers. */
  readonly viewers: () => readonly string[];
}

/** ApprovalError codes -> HTTP status. Decisions are checked by the service against the request's own approver groups. */
const STATUS_OF = {
  not_found: 404,
  not_pending: 409,
  self_approval: 403,
  not_approver: 403,
  not_approved: 409,
  invalid_input: 400,
  store_unavailable: 503,
  closed: 503,
} as const;

const security = [{ bearer: [] }];
const errors = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  409: errorRef,
  503: errorRef,
} as const;

function send(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).send({ error, message });
}

function isViewer(identity: Identity, viewers: readonly string[]): boolean {
  return identity.groups.some((g) => viewers.includes(g));
}

/**
 * /v1/approvals, in the authenticated scope: the routes check groups
 * themselves. Approvers (of any rule or the default) and admins read every
 * request; a requester may read their own; a decision is accepted only from a
 * member of that request's approver groups who is not its requester.
 */
export const approvalRoutes: FastifyPluginAsync<ApprovalRoutesOptions> = async (
  app,
  { service, viewers },
) => {
  /** Runs `work` on the service; maps its refusals to HTTP errors with their message. */
  const withService = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (s: ApprovalService, who: Identity) => Promise<T>,
  ): Promise<T | FastifyReply> => {
    const who = request.identity;
    if (!who) return send(reply, 401, 'unauthorized', 'send an Authorization: Bearer <token> header');
    if (service === null)
      return send(
        reply,
        503,
        'approvals_not_configured',
        'approvals are not configured on this gateway (no approvals section)',
      );
    try {
      return await work(service, who);
    } catch (err) {
      if (!isApprovalError(err)) throw err;
      if (err.code === 'store_unavailable' || err.code === 'closed') {
        request.log.warn({ err: err.message }, 'approval store unavailable');
        return send(reply, 503, err.code, 'the approval store is unreachable; try again');
      }
      return send(reply, STATUS_OF[err.code], err.code, err.message);
    }
  };

  const forbidden = (reply: FastifyReply) =>
    send(reply, 403, 'forbidden', 'this needs membership in an approver group or control.admins');

  app.get<{ Querystring: { status?: ApprovalStatus; limit?: number; before?: string } }>(
    '/approvals',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Approval requests, newest first',
        description: 'For approvers (of any rule or approvals.approvers) and admins.',
        security,
        querystring: approvalListQuery,
        response: {
          200: {
            type: 'object',
            required: ['approvals'],
            properties: { approvals: { type: 'array', items: approvalRequestSchema } },
          },
          ...errors,
        },
      },
    },
    (request, reply) =>
      withService(request, reply, async (s, who) => {
        if (!isViewer(who, viewers())) return forbidden(reply);
        const { status, limit, before } = request.query;
        return {
          approvals: await s.list({
            ...(status ? { status } : {}),
            ...(limit ? { limit } : {}),
            ...(before ? { before } : {}),
          }),
        };
      }),
  );

  app.get<{ Params: { id: string } }>(
    '/approvals/:id',
    {
      schema: {
        tags: ['approvals'],
        summary: 'One approval request with its decisions and history',
        description: 'For approvers, admins, and the requester of this request.',
        security,
        params: approvalIdParams,
        response: { 200: approvalRequestSchema, ...errors },
      },
    },
    (request, reply) =>
      withService(request, reply, async (s, who) => {
        const viewer = isViewer(who, viewers());
        const found = await s.get(request.params.id);
        // Someone else's request is as absent as a missing one to a non-viewer.
        if (!viewer && found.requester.subject !== who.subject) {
          return send(reply, 404, 'not_found', `approval ${request.params.id} does not exist`);
        }
        return found;
      }),
  );

  const decide = (kind: DecisionKind) =>
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
      `/approvals/:id/${kind}`,
      {
        schema: {
          tags: ['approvals'],
          summary: kind === 'approve' ? 'Approve a held statement' : 'Deny a held statement (final)',
          description:
            kind === 'approve'
              ? "One approval from a member of the request's approver groups, never its requester; the statement runs once the required number of distinct approvers agree. Repeating an approval changes nothing."
              : "A member of the request's approver groups denies it with a reason; the waiting client gets the denial at once.",
          security,
          params: approvalIdParams,
          ...(kind === 'deny' ? { body: denyBody } : { body: decisionBody }),
          response: { 200: approvalRequestSchema, ...errors },
        },
      },
      (request, reply) =>
        withService(request, reply, async (s, who): Promise<ApprovalRequest> => {
          const input = { subject: who.subject, groups: who.groups, reason: request.body?.reason ?? '' };
          const after =
            kind === 'approve'
              ? await s.approve(request.params.id, input)
              : await s.deny(request.params.id, input);
          request.log.info(
            { approvalId: after.id, decision: kind, by: who.subject, status: after.status },
            'approval decision through the control API',
          );
          return after;
        }),
    );
  decide('approve');
  decide('deny');
};
