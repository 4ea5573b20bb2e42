import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { GatewayError } from '@gatehouse/sql-core';
import { parseConfig } from '../config';
import { memoryLogger, silentLogger, tempDir } from '../testing/test-support';
import { createIdentityService, type IdentityService } from './identity-service';
import { serviceTokenDigest } from './service-tokens';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'gatehouse';

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly alg: string;
}

async function signingKey(alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg }, alg };
}

const now = () => Math.floor(Date.now() / 1000);

function sign(key: SigningKey, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ groups: ['dev'], ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.jwk.kid, ...header })
    .setIssuer((claims.iss as string | undefined) ?? ISSUER)
    .setAudience((claims.aud as string | undefined) ?? AUDIENCE)
    .setSubject((claims.sub as string | undefined) ?? 'alice')
    .setIssuedAt()
    .setExpirationTime((claims.exp as number | undefined) ?? now() + 600)
    .sign(key.privateKey);
}

/** Expects an auth_failed refusal whose message contains `fragment` and never the credential. */
async function refused(verifier: IdentityService, credential: string, fragment: string): Promise<void> {
  const err = await verifier.verify(credential).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe('auth_failed');
  expect((err as GatewayError).message).toContain(fragment);
  if (credential.length > 0) {
    expect((err as GatewayError).message).not.toContain(credential);
    expect(JSON.stringify(err)).not.toContain(credential);
  }
}

const SERVICE_TOKEN = 'ght_svc_0123456789abcdef0123456789abcdef';

describe('IdentityService with a JWKS file', () => {
  const tmp = tempDir();
  let rs: SigningKey;
  let es: SigningKey;
  let ed: SigningKey;
  let stranger: SigningKey;
  let verifier: IdentityService;
  const jwksPath = join(tmp.dir, 'jwks.json');

  function config(extraIssuer = '', identityExtra = '') {
    return parseConfig(
      `
identity:
  ${identityExtra}
  issuers:
    - { issuer: "${ISSUER}", audience: [${AUDIENCE}, other], jwks: ./jwks.json ${extraIssuer} }
  service_tokens:
    - { name: ci-migrations, sha256: ${serviceTokenDigest(SERVICE_TOKEN)}, groups: [ci, deployers] }
targets: [ { name: t, engine: postgres, environment: dev, upstream: { host: 127.0.0.1, database: d }, logins: [ { user: u } ] } ]
`,
      tmp.dir,
    );
  }

  beforeAll(async () => {
    rs = await signingKey('RS256', 'rs-1');
    es = await signingKey('ES256', 'es-1');
    ed = await signingKey('EdDSA', 'ed-1');
    // Same kid as `rs`, different key: a forgery attempt.
    stranger = await signingKey('RS256', 'rs-1');
    writeFileSync(jwksPath, JSON.stringify({ keys: [rs.jwk, es.jwk, ed.jwk] }));
    verifier = await createIdentityService(config().identity, { logger: silentLogger });
  });
  afterAll(() => tmp.cleanup());

  it('accepts a valid token and reads subject, groups, issuer and expiry', async () => {
    const exp = now() + 600;
    const identity = await verifier.verify(await sign(rs, { exp, groups: ['dev', 'dba'] }));
    expect(identity).toEqual({ subject: 'alice', groups: ['dev', 'dba'], authMethod: 'jwt', issuer: ISSUER, expiresAt: exp });
  });

  it.each([
    ['ES256', () => es],
    ['EdDSA', () => ed],
  ])('accepts %s from the default algorithm list', async (_alg, key) => {
    expect((await verifier.verify(await sign(key()))).subject).toBe('alice');
  });

  it('accepts any configured audience', async () => {
    expect((await verifier.verify(await sign(rs, { aud: 'other' }))).subject).toBe('alice');
  });

  it('refuses an expired token, but tolerates the clock skew', async () => {
    await refused(verifier, await sign(rs, { exp: now() - 120 }), 'the token has expired');
    expect((await verifier.verify(await sign(rs, { exp: now() - 5 }))).subject).toBe('alice');
  });

  it('honours a configured clock skew of zero', async () => {
    const strict = await createIdentityService(config('', 'clock_skew: 0s').identity, { logger: silentLogger });
    await refused(strict, await sign(rs, { exp: now() - 5 }), 'the token has expired');
  });

  it('refuses a token not yet valid', async () => {
    await refused(verifier, await sign(rs, { nbf: now() + 3600 }), 'the token is not valid yet');
  });

  it('refuses the wrong audience', async () => {
    await refused(verifier, await sign(rs, { aud: 'someone-else' }), 'audience not accepted');
  });

  it('refuses an issuer that is not configured', async () => {
    await refused(verifier, await sign(rs, { iss: 'https://evil.test' }), 'issuer that is not trusted');
  });

  it('refuses a forged signature under a known kid', async () => {
    await refused(verifier, await sign(stranger), 'the token signature is invalid');
  });

  it('refuses an unknown kid', async () => {
    const other = await signingKey('RS256', 'rs-unknown');
    await refused(verifier, await sign(other), "no key of the issuer matches the token's key id");
  });

  it('refuses alg none', async () => {
    const unsecured = new UnsecuredJWT({ groups: ['dba'] })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime(now() + 600)
      .encode();
    await refused(verifier, unsecured, 'signing algorithm is not allowed');
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(rs.jwk));
    const forged = await new SignJWT({ groups: ['dba'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'rs-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('mallory')
      .setExpirationTime(now() + 600)
      .sign(secret);
    await refused(verifier, forged, 'signing algorithm is not allowed');
  });

  it('refuses an algorithm outside a narrowed allow-list', async () => {
    const rsOnly = await createIdentityService(config(', algorithms: [RS256]').identity, { logger: silentLogger });
    await refused(rsOnly, await sign(es), 'signing algorithm is not allowed');
    expect((await rsOnly.verify(await sign(rs))).subject).toBe('alice');
  });

  it('refuses tokens without sub or exp', async () => {
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rs-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(now() + 60)
      .sign(rs.privateKey);
    await refused(verifier, noSub, 'the token has no "sub" claim');
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'rs-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('alice')
      .sign(rs.privateKey);
    await refused(verifier, noExp, 'the token has no "exp" claim');
  });

  it('refuses garbage, empty and oversized credentials', async () => {
    await refused(verifier, 'not-a-token', 'neither a token from a trusted issuer nor a known service token');
    await refused(verifier, 'aaa.bbb.ccc', 'the token is malformed');
    await refused(verifier, '', 'no credential was given');
    await refused(verifier, 'x'.repeat(20_000), 'the credential is too long');
  });

  describe('groups claim shapes', () => {
    it.each<[string, unknown, string[]]>([
      ['a list', ['dev', 'ops', 'dev'], ['dev', 'ops']],
      ['a space separated string', 'dev ops', ['dev', 'ops']],
      ['a comma separated string', 'dev,ops, dba', ['dev', 'ops', 'dba']],
      ['missing', undefined, []],
      ['an empty list', [], []],
    ])('%s', async (_label, groups, expected) => {
      expect((await verifier.verify(await sign(rs, { groups }))).groups).toEqual(expected);
    });

    it('refuses a claim that is not strings', async () => {
      await refused(verifier, await sign(rs, { groups: [1, 2] }), 'claim must be a list of strings or a string');
      await refused(verifier, await sign(rs, { groups: { a: 1 } }), 'claim must be a list of strings or a string');
    });

    it('refuses an oversized claim instead of truncating it', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => `g${i}`);
      await refused(verifier, await sign(rs, { groups: many }), 'claim is too large');
    });

    it('reads a configured claim name, including nested paths', async () => {
      const nested = await createIdentityService(config(', groups_claim: realm_access.roles').identity, { logger: silentLogger });
      const token = await sign(rs, { groups: ['ignored'], realm_access: { roles: ['dba'] } });
      expect((await nested.verify(token)).groups).toEqual(['dba']);
      const urlClaim = await createIdentityService(config(', groups_claim: "https://gh.test/groups"').identity, { logger: silentLogger });
      expect((await urlClaim.verify(await sign(rs, { 'https://gh.test/groups': 'a b' }))).groups).toEqual(['a', 'b']);
    });
  });

  it('picks up a rotated key when the JWKS file changes', async () => {
    const { logger, lines } = memoryLogger();
    const rotating = await createIdentityService(config().identity, { logger });
    const next = await signingKey('RS256', 'rs-2');
    const token = await sign(next);
    await refused(rotating, token, "no key of the issuer matches the token's key id");
    const tmpFile = join(tmp.dir, 'jwks.next.json');
    writeFileSync(tmpFile, JSON.stringify({ keys: [rs.jwk, next.jwk] }));
    renameSync(tmpFile, jwksPath);
    expect((await rotating.verify(token)).subject).toBe('alice');
    expect((await rotating.verify(await sign(rs))).subject).toBe('alice');
    expect(lines.join('')).toContain('JWKS file changed; keys reloaded');
    expect(lines.join('')).not.toContain(token);
  });

  it('refuses a JWKS file holding a private key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(join(tmp.dir, 'private.json'), JSON.stringify({ keys: [await exportJWK(privateKey)] }));
    const c = parseConfig(
      `identity: { issuers: [ { issuer: x, audience: a, jwks: ./private.json } ] }
targets: [ { name: t, engine: postgres, environment: dev, upstream: { host: h, database: d }, logins: [ { user: u } ] } ]`,
      tmp.dir,
    );
    await expect(createIdentityService(c.identity, { logger: silentLogger })).rejects.toThrow(/holds private or symmetric keys/);
  });

  describe('service tokens', () => {
    it('match by SHA-256 and carry the configured groups', async () => {
      expect(await verifier.verify(SERVICE_TOKEN)).toEqual({
        subject: 'ci-migrations',
        groups: ['ci', 'deployers'],
        authMethod: 'service_token',
        issuer: 'ci-migrations',
      });
    });

    it('refuse a near miss without echoing it', async () => {
      await refused(verifier, `${SERVICE_TOKEN}x`, 'neither a token from a trusted issuer nor a known service token');
      await refused(verifier, SERVICE_TOKEN.toUpperCase(), 'nor a known service token');
    });

    it('cannot be logged in with by presenting the configured hash', async () => {
      await refused(verifier, serviceTokenDigest(SERVICE_TOKEN), 'nor a known service token');
    });
  });
});

describe('IdentityService with an HMAC issuer', () => {
  const config = (secretEnv: string) =>
    parseConfig(
      `identity: { issuers: [ { issuer: hs, audience: gatehouse, algorithms: [HS256], secret_env: ${secretEnv} } ] }
targets: [ { name: t, engine: postgres, environment: dev, upstream: { host: h, database: d }, logins: [ { user: u } ] } ]`,
      '/tmp',
    );
  const secret = 'an-hmac-secret-that-is-long-enough-0123456789';

  it('verifies HS256 only when explicitly configured, with the secret from the environment', async () => {
    const verifier = await createIdentityService(config('GH_HS').identity, { logger: silentLogger, env: { GH_HS: secret } });
    const token = await new SignJWT({ groups: 'ops' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('hs')
      .setAudience('gatehouse')
      .setSubject('bob')
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(secret));
    expect(await verifier.verify(token)).toMatchObject({ subject: 'bob', groups: ['ops'] });
  });

  it('refuses to start without the secret or with a short one', async () => {
    await expect(createIdentityService(config('GH_HS').identity, { logger: silentLogger, env: {} })).rejects.toThrow(/GH_HS .* is not set/);
    await expect(createIdentityService(config('GH_HS').identity, { logger: silentLogger, env: { GH_HS: 'short' } })).rejects.toThrow(
      /shorter than 32 bytes/,
    );
  });
});
