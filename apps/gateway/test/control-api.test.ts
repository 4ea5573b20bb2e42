import { SessionRegistry, type SessionHandle, type SessionInfo } from '@gatehouse/sql-core';
import { parseConfig, type GatehouseConfig } from '../src/config';
import { buildControlApp, localSessionDirectory, requireGroups, type ControlState } from '../src/control';
import { createIdentityService, ensureDevIssuer, serviceTokenDigest, signDevToken, type DevIssuerKeys } from '../src/identity';
import { freePort } from '../src/testing/free-port';
import { listenForTests, type TestClient } from '../src/testing/http-client';
import { memoryLogger, tempDir } from '../src/testing/test-support';

function sessionHandle(id: string, subject: string, ended: string[]): SessionHandle {
  const info: SessionInfo = {
    id,
    engine: 'postgres',
    subject,
    groups: ['dev'],
    target: { name: 'local', engine: 'postgres', environment: 'development' },
    database: 'test',
    clientAddress: '127.0.0.1:50000',
    clientUser: subject,
    tls: false,
    since: '2025-01-01T00:00:00.000Z',
    statements: 3,
    currentStatement: 'SELECT $1',
  };
  return { id, info: () => info, terminate: (reason) => void ended.push(`${id}: ${reason}`) };
}

const SERVICE_TOKEN = 'ght_ops_bot_0123456789abcdef0123456789';

describe('control API', () => {
  const tmp = tempDir();
  let config: GatehouseConfig;
  let state: ControlState;
  let keys: DevIssuerKeys;
  let app: TestClient;
  const registry = new SessionRegistry();
  const ended: string[] = [];
  const log = memoryLogger();

  const token = (subject: string, groups: string[]) =>
    signDevToken(keys, { issuer: 'gatehouse-dev', audience: 'gatehouse', subject, groups, groupsClaim: 'groups', ttlSeconds: 300 });
  const bearer = async (subject: string, groups: string[]) => ({ authorization: `Bearer ${await token(subject, groups)}` });

  beforeAll(async () => {
    const downPort = await freePort();
    config = parseConfig(
      `
control: { admins: [dba, dev], readiness_timeout: 2s }
identity:
  issuers: [ { issuer: gatehouse-dev, audience: gatehouse, dev: true, key_dir: ./keys } ]
  service_tokens: [ { name: ops-bot, sha256: ${serviceTokenDigest(SERVICE_TOKEN)}, groups: [dba] } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: 5432, database: test }, logins: [ { user: postgres } ] }
  - { name: down, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: ${downPort}, database: test }, logins: [ { user: postgres } ] }
`,
      tmp.dir,
    );
    keys = await ensureDevIssuer(config.identity.issuers[0]!.key_dir!);
    const verifier = await createIdentityService(config.identity, { logger: log.logger });
    state = { verifier, admins: config.control.admins, targets: config.targets.slice(0, 1), readinessTimeoutMs: config.control.readiness_timeout };
    registry.add(sessionHandle('ses_aaaaaaaaaaaaaaaaaaaa', 'alice', ended));
    registry.add(sessionHandle('ses_bbbbbbbbbbbbbbbbbbbb', 'bob', ended));
    const fastify = await buildControlApp({
      logger: log.logger,
      state: () => state,
      sessions: localSessionDirectory(registry),
      extensions: {
        public: [async (scope) => void scope.get('/metrics-probe', async () => ({ public: true }))],
        authenticated: [
          async (scope) => {
            scope.get('/whoami', async (request) => ({ subject: request.identity?.subject }));
            scope.register(async (approvers) => {
              approvers.addHook('onRequest', requireGroups(() => ['approvers'], 'an approver group'));
              approvers.get('/approvals-probe', async () => ({ ok: true }));
            });
          },
        ],
        admin: [async (scope) => void scope.get('/admin-probe', async () => ({ admin: true }))],
      },
    });
    app = await listenForTests(fastify);
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  describe('public probes', () => {
    it('/healthz is ok without a token', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('/readyz is ready when the local PostgreSQL accepts connections', async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.json()).toEqual({ status: 'ready', targets: [{ name: 'local', reachable: true }] });
      expect(res.statusCode).toBe(200);
    });

    it('/readyz is 503 and names the target that is down, not its address', async () => {
      const previous = state;
      state = { ...state, targets: config.targets };
      try {
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({
          status: 'unavailable',
          targets: [
            { name: 'local', reachable: true },
            { name: 'down', reachable: false, error: 'ECONNREFUSED' },
          ],
        });
        expect(res.body).not.toContain(String(config.targets[1]!.upstream.port));
      } finally {
        state = previous;
      }
    });

    it('serves the OpenAPI document at /docs without a token', async () => {
      const res = await app.inject({ method: 'GET', url: '/docs/json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { paths: Record<string, unknown>; components: { securitySchemes: unknown } };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/sessions', '/v1/sessions/{id}']));
      expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
      const ui = await app.inject({ method: 'GET', url: '/docs/' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toContain('text/html');
    });

    it('public extensions need no token', async () => {
      expect((await app.inject({ method: 'GET', url: '/metrics-probe' })).statusCode).toBe(200);
    });
  });

  describe('authentication and authorisation of /v1', () => {
    it.each([
      ['no header', {}],
      ['a Basic header', { authorization: 'Basic YWxpY2U6cHc=' }],
      ['an empty bearer', { authorization: 'Bearer ' }],
    ])('401 with %s', async (_label, headers) => {
      const res = await app.inject({ method: 'GET', url: '/v1/sessions', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'send an Authorization: Bearer <token> header' });
    });

    it('401 with a bad token, saying why without echoing it', async () => {
      const forged = `${(await token('alice', ['dba'])).slice(0, -4)}AAAA`;
      const res = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { authorization: `Bearer ${forged}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'the token signature is invalid' });
      expect(res.body).not.toContain(forged);
      expect(log.lines.join('')).not.toContain(forged);
    });

    it('401 with an expired token', async () => {
      const old = await signDevToken(keys, {
        issuer: 'gatehouse-dev', audience: 'gatehouse', subject: 'alice', groups: ['dba'], groupsClaim: 'groups', ttlSeconds: 60,
        now: Math.floor(Date.now() / 1000) - 3600,
      });
      const res = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { authorization: `Bearer ${old}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toBe('the token has expired');
    });

    it('403 for a valid token outside control.admins, on every admin route', async () => {
      const headers = await bearer('carol', ['marketing']);
      for (const [method, url] of [['GET', '/v1/sessions'], ['DELETE', '/v1/sessions/ses_aaaaaaaaaaaaaaaaaaaa'], ['GET', '/v1/admin-probe']] as const) {
        const res = await app.inject({ method, url, headers });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ error: 'forbidden', message: 'this needs membership in an admin group (control.admins)' });
      }
      expect(ended).toEqual([]);
    });

    it('authenticated extensions take any valid token and apply their own group checks', async () => {
      const headers = await bearer('carol', ['marketing']);
      expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers })).json()).toEqual({ subject: 'carol' });
      expect((await app.inject({ method: 'GET', url: '/v1/whoami' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/v1/approvals-probe', headers })).statusCode).toBe(403);
      const approver = await bearer('dave', ['approvers']);
      expect((await app.inject({ method: 'GET', url: '/v1/approvals-probe', headers: approver })).statusCode).toBe(200);
    });

    it('admin extensions need an admin', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/admin-probe', headers: await bearer('erin', ['dba']) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ admin: true });
    });

    it('a reload that changes control.admins applies to the next request', async () => {
      const headers = await bearer('frank', ['dev']);
      expect((await app.inject({ method: 'GET', url: '/v1/sessions', headers })).statusCode).toBe(200);
      const previous = state;
      state = { ...state, admins: ['dba'] };
      try {
        expect((await app.inject({ method: 'GET', url: '/v1/sessions', headers })).statusCode).toBe(403);
      } finally {
        state = previous;
      }
    });
  });

  describe('/v1/sessions', () => {
    it('lists sessions for an admin', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/sessions', headers: await bearer('alice', ['dev']) });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { sessions: SessionInfo[] };
      expect(body.sessions.map((s) => s.id)).toEqual(['ses_aaaaaaaaaaaaaaaaaaaa', 'ses_bbbbbbbbbbbbbbbbbbbb']);
      expect(body.sessions[0]).toEqual(registry.get('ses_aaaaaaaaaaaaaaaaaaaa'));
    });

    it('accepts a service token in an admin group', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { authorization: `Bearer ${SERVICE_TOKEN}` } });
      expect(res.statusCode).toBe(200);
    });

    it('terminates a session, recording who did it', async () => {
      const id = 'ses_cccccccccccccccccccc';
      registry.add(sessionHandle(id, 'zed', ended));
      const res = await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}`, headers: await bearer('alice', ['dba']) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id, terminated: true });
      expect(ended).toContain(`${id}: terminated by alice through the control API`);
      registry.remove(id);
    });

    it('404 for a session that does not exist, 400 for an id that cannot be one', async () => {
      const headers = await bearer('alice', ['dba']);
      const missing = await app.inject({ method: 'DELETE', url: '/v1/sessions/ses_ffffffffffffffffffff', headers });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: 'not_found', message: 'no session ses_ffffffffffffffffffff' });
      const bad = await app.inject({ method: 'DELETE', url: '/v1/sessions/..%2Fetc', headers });
      expect(bad.statusCode).toBe(400);
    });

    it('checks the token before validating input, so anonymous callers learn nothing', async () => {
      const res = await app.inject({ method: 'DELETE', url: '/v1/sessions/not-an-id' });
      expect(res.statusCode).toBe(401);
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'no route GET /nope' });
  });
});
