import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { isGatewayError, type CredentialVerifier, type Identity } from '@gatehouse/sql-core';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticate hook in the /v1 scope; null on public routes. */
    identity: Identity | null;
  }
}

const BEARER = /^Bearer +([^\s]+) *$/i;

function refuse(reply: FastifyReply, status: 401 | 403, error: string, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  return reply.code(status).send({ error, message });
}

/**
 * onRequest hook: a Bearer token verified exactly as client credentials are.
 * Registered on a scope (never matched by URL prefix), so every route in the
 * scope is covered, including ones added later.
 */
export function authenticate(verifier: () => CredentialVerifier): onRequestAsyncHookHandler {
  return async function authenticateHook(request: FastifyRequest, reply: FastifyReply) {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) return refuse(reply, 401, 'unauthorized', 'send an Authorization: Bearer <token> header');
    try {
      request.identity = await verifier().verify(match[1]!);
    } catch (err) {
      if (isGatewayError(err) && err.code === 'auth_failed') return refuse(reply, 401, 'unauthorized', err.message);
      // Anything else is our failure; still refuse (fail closed), and say nothing more.
      request.log.error({ err }, 'control API token verification failed');
      return refuse(reply, 401, 'unauthorized', 'the token could not be verified');
    }
    return undefined;
  };
}

/** onRequest hook (after authenticate): the identity must be in one of the groups. */
export function requireGroups(groups: () => readonly string[], what: string): onRequestAsyncHookHandler {
  return async function requireGroupsHook(request: FastifyRequest, reply: FastifyReply) {
    const identity = request.identity;
    if (!identity) return refuse(reply, 401, 'unauthorized', 'send an Authorization: Bearer <token> header');
    const allowed = groups();
    if (!identity.groups.some((g) => allowed.includes(g))) return refuse(reply, 403, 'forbidden', `this needs membership in ${what}`);
    return undefined;
  };
}
