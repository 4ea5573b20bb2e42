import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { parseConfig } from '../src/config';
import { createIdentityService } from '../src/identity';
import { selfSignedCert } from '../src/testing/self-signed-cert';
import { silentLogger, tempDir } from '../src/testing/test-support';

/**
 * JWKS over HTTPS, against a real local TLS server with a self-signed
 * certificate trusted through `jwks_ca`: caching, rotation, and refusal when
 * the certificate is not trusted.
 */
describe('remote JWKS over HTTPS', () => {
  const tmp = tempDir();
  let server: Server;
  let url: string;
  let served: JWK[] = [];
  let requests = 0;
  let certPath: string;

  async function key(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
  }

  const sign = (k: { privateKey: CryptoKey; jwk: JWK }, sub = 'alice') =>
    new SignJWT({ groups: ['dev'] })
      .setProtectedHeader({ alg: 'ES256', kid: k.jwk.kid! })
      .setIssuer('https://idp.local')
      .setAudience('gatehouse')
      .setSubject(sub)
      .setExpirationTime('5m')
      .sign(k.privateKey);

  const config = (withCa: boolean) =>
    parseConfig(
      `identity: { issuers: [ { issuer: "https://idp.local", audience: gatehouse, jwks: "${url}"${withCa ? `, jwks_ca: ${certPath}` : ''} } ] }
targets: [ { name: t, engine: postgres, environment: dev, upstream: { host: h, database: d }, logins: [ { user: u } ] } ]`,
      tmp.dir,
    );

  beforeAll(async () => {
    const cert = selfSignedCert(tmp.dir);
    certPath = cert.certPath;
    server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      requests += 1;
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    tmp.cleanup();
  });

  it('fetches once, caches, and sees a rotated key after the cooldown', async () => {
    const first = await key('k1');
    served = [first.jwk];
    requests = 0;
    const verifier = await createIdentityService(config(true).identity, { logger: silentLogger, remoteJwks: { cooldownMs: 0 } });
    expect((await verifier.verify(await sign(first))).subject).toBe('alice');
    expect((await verifier.verify(await sign(first, 'bob'))).subject).toBe('bob');
    expect(requests).toBe(1);

    const second = await key('k2');
    served = [second.jwk];
    expect((await verifier.verify(await sign(second))).subject).toBe('alice');
    expect(requests).toBe(2);
  });

  it('does not refetch on every unknown kid while cooling down', async () => {
    const k = await key('k3');
    served = [k.jwk];
    requests = 0;
    const verifier = await createIdentityService(config(true).identity, { logger: silentLogger });
    await verifier.verify(await sign(k));
    const stranger = await key('nope');
    for (let i = 0; i < 3; i += 1) {
      await expect(verifier.verify(await sign(stranger))).rejects.toThrow("no key of the issuer matches the token's key id");
    }
    expect(requests).toBe(1);
  });

  it('refuses logins when the JWKS host certificate is not trusted', async () => {
    const k = await key('k4');
    served = [k.jwk];
    const verifier = await createIdentityService(config(false).identity, { logger: silentLogger });
    await expect(verifier.verify(await sign(k))).rejects.toThrow("the issuer's keys may be unreachable");
  });
});
