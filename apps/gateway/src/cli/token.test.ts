import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { loadConfig } from '../config';
import { createIdentityService } from '../identity';
import { memoryIo } from '../testing/memory-io';
import { silentLogger, tempDir } from '../testing/test-support';
import { runCli } from './index';

const CONFIG = `
identity:
  issuers: [ { issuer: gatehouse-dev, dev: true, audience: [gatehouse, ci], key_dir: ./keys } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, database: test }, logins: [ { user: postgres } ] }
`;

describe('gatehouse token', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), CONFIG);
  });
  afterEach(() => tmp.cleanup());

  it('creates the dev key on first use and prints only a token that the gateway verifies', async () => {
    const io = memoryIo(tmp.dir);
    expect(await runCli(['token', '--sub', 'alice', '--groups', 'dev,ops', '--ttl', '15m'], io)).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    expect(statSync(join(tmp.dir, 'keys', 'private-key.jwk.json')).mode & 0o777).toBe(0o600);

    const token = io.out.trim();
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(900);
    const verifier = await createIdentityService(loadConfig(join(tmp.dir, 'gatehouse.yaml')).identity, { logger: silentLogger });
    expect(await verifier.verify(token)).toMatchObject({ subject: 'alice', groups: ['dev', 'ops'], issuer: 'gatehouse-dev', authMethod: 'jwt' });
  });

  it('reuses the key, so earlier tokens stay valid', async () => {
    const first = memoryIo(tmp.dir);
    await runCli(['token', '--sub', 'alice'], first);
    const second = memoryIo(tmp.dir);
    await runCli(['token', '--sub', 'bob', '--audience', 'ci'], second);
    const verifier = await createIdentityService(loadConfig(join(tmp.dir, 'gatehouse.yaml')).identity, { logger: silentLogger });
    expect((await verifier.verify(first.out.trim())).subject).toBe('alice');
    expect((await verifier.verify(second.out.trim())).groups).toEqual([]);
    expect(decodeJwt(second.out.trim()).aud).toBe('ci');
  });

  it.each<[string, string[], string]>([
    ['a missing --sub', ['token', '--groups', 'dev'], '--sub is required'],
    ['a bad ttl', ['token', '--sub', 'a', '--ttl', 'forever'], '--ttl: expected a duration from 1s to 7d'],
    ['a ttl too long', ['token', '--sub', 'a', '--ttl', '30d'], '--ttl: expected a duration from 1s to 7d'],
    ['a bad group', ['token', '--sub', 'a', '--groups', 'dev,bad group'], '--groups: "bad group" is not a group name'],
    ['an audience the issuer does not accept', ['token', '--sub', 'a', '--audience', 'x'], '--audience: the dev issuer accepts gatehouse, ci'],
    ['an unknown option', ['token', '--subject', 'a'], "Unknown option '--subject'"],
  ])('refuses %s with exit 2 and prints nothing on stdout', async (_label, argv, message) => {
    const io = memoryIo(tmp.dir);
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err).toContain(message);
    expect(io.out).toBe('');
  });

  it('explains how to trust a dev issuer when the config has none, exit 1', async () => {
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), CONFIG.replace(/identity:\n.*\n/, ''));
    const io = memoryIo(tmp.dir);
    expect(await runCli(['token', '--sub', 'alice'], io)).toBe(1);
    expect(io.err).toContain('trusts no dev issuer; add one under identity.issuers');
    expect(io.out).toBe('');
  });
});
