import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '@gatehouse/sql-core';
import { parseConfig } from '../config';
import { silentLogger, tempDir } from '../testing/test-support';
import { DEV_JWKS_FILE, DEV_PRIVATE_KEY_FILE, ensureDevIssuer, signDevToken } from './dev-issuer';
import { createIdentityService } from './identity-service';

describe('dev issuer', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const devConfig = (dir: string) =>
    parseConfig(
      `identity: { issuers: [ { issuer: gatehouse-dev, audience: gatehouse, dev: true } ] }
targets: [ { name: t, engine: postgres, environment: dev, upstream: { host: h, database: d }, logins: [ { user: u } ] } ]`,
      dir,
    );

  it('creates a private key (0600, in a 0700 directory) and a public JWKS on first use, then reuses them', async () => {
    const keyDir = join(tmp.dir, 'nested', 'dev-issuer');
    const first = await ensureDevIssuer(keyDir);
    expect(statSync(join(keyDir, DEV_PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    const jwks = JSON.parse(readFileSync(join(keyDir, DEV_JWKS_FILE), 'utf8')) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: first.kid });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const second = await ensureDevIssuer(keyDir);
    expect(second.kid).toBe(first.kid);
  });

  it('creates exactly one key when several processes race', async () => {
    const keyDir = join(tmp.dir, 'race');
    const all = await Promise.all(Array.from({ length: 8 }, () => ensureDevIssuer(keyDir)));
    expect(new Set(all.map((k) => k.kid)).size).toBe(1);
  });

  it('refuses a private key other users can read', async () => {
    const keys = await ensureDevIssuer(tmp.dir);
    chmodSync(keys.privateKeyPath, 0o644);
    await expect(ensureDevIssuer(tmp.dir)).rejects.toThrow(/readable by other users .*chmod 600/);
  });

  it('signs tokens the identity service accepts; they expire', async () => {
    const config = devConfig(tmp.dir);
    const verifier = await createIdentityService(config.identity, { logger: silentLogger });
    const keys = await ensureDevIssuer(config.identity.issuers[0]!.key_dir!);
    expect(keys.privateKeyPath).toBe(join(tmp.dir, '.gatehouse/dev-issuer', DEV_PRIVATE_KEY_FILE));
    const claims = { issuer: 'gatehouse-dev', audience: 'gatehouse', subject: 'alice', groups: ['dev', 'ops'], groupsClaim: 'groups', ttlSeconds: 3600 };
    const identity = await verifier.verify(await signDevToken(keys, claims));
    expect(identity).toMatchObject({ subject: 'alice', groups: ['dev', 'ops'], authMethod: 'jwt', issuer: 'gatehouse-dev' });

    const old = await signDevToken(keys, { ...claims, now: Math.floor(Date.now() / 1000) - 7200 });
    await expect(verifier.verify(old)).rejects.toThrow(new GatewayError('auth_failed', 'the token has expired'));
  });

  it('does not accept tokens from another dev key', async () => {
    const config = devConfig(tmp.dir);
    const verifier = await createIdentityService(config.identity, { logger: silentLogger });
    const otherKeys = await ensureDevIssuer(join(tmp.dir, 'someone-else'));
    const token = await signDevToken(otherKeys, { issuer: 'gatehouse-dev', audience: 'gatehouse', subject: 'mallory', groups: ['dba'], groupsClaim: 'groups', ttlSeconds: 60 });
    await expect(verifier.verify(token)).rejects.toThrow("no key of the issuer matches the token's key id");
  });
});
