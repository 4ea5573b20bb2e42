import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError, type Identity } from '@gatehouse/sql-core';
import { parseConfig } from '../config';
import { tempDir } from '../testing/test-support';
import { ConfiguredTargetDirectory } from './target-directory';

const person = (groups: string[]): Identity => ({ subject: 'alice', groups, authMethod: 'jwt', issuer: 'idp' });

function gatewayError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

describe('ConfiguredTargetDirectory', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  writeFileSync(join(tmp.dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const config = parseConfig(
    `
targets:
  - name: prod
    engine: postgres
    environment: production
    upstream: { host: db.internal, port: 5433, database: app, tls: verify-full, ca: ca.pem }
    logins:
      - { groups: [ci], user: migrator, password_env: GH_TEST_MIGRATOR_PASSWORD }
      - { groups: [analysts, dev], user: analyst, password_env: GH_TEST_ANALYST_PASSWORD }
  - name: local
    engine: postgres
    environment: development
    upstream: { host: 127.0.0.1, database: test }
    logins:
      - { user: postgres }
`,
    tmp.dir,
  );
  const env: NodeJS.ProcessEnv = { GH_TEST_MIGRATOR_PASSWORD: 'm1gr4t0r' };
  const directory = new ConfiguredTargetDirectory(config.targets, { env });

  describe('resolve', () => {
    it('maps a bare target name to its configured database', () => {
      expect(directory.resolve('prod', 'postgres')).toEqual({
        target: { name: 'prod', engine: 'postgres', environment: 'production' },
        database: 'app',
      });
    });

    it('maps target/database to that upstream database', () => {
      expect(directory.resolve('prod/analytics', 'postgres').database).toBe('analytics');
      expect(directory.resolve('local/other/db', 'postgres').database).toBe('other/db');
    });

    it.each<[string | undefined, string]>([
      ['nope', 'unknown target "nope"'],
      ['nope/app', 'unknown target "nope"'],
      ['', 'no target named: set the database to a target name'],
      [undefined, 'no target named'],
      ['prod/', 'no database named after "prod/"'],
      ['PROD', 'unknown target "PROD"'],
      ['x\u0000y', 'unknown target "x?y"'],
    ])('refuses %j', (requested, message) => {
      const err = gatewayError(() => directory.resolve(requested, 'postgres'));
      expect(err.code).toBe('unknown_target');
      expect(err.message).toContain(message);
      expect(err.message).not.toContain('local');
    });

    it('refuses a target of another engine', () => {
      const err = gatewayError(() => directory.resolve('prod', 'mysql'));
      expect(err).toMatchObject({ code: 'unknown_target', message: 'target "prod" is a postgres target; connect through the postgres listener' });
    });

    it('bounds the database name', () => {
      expect(gatewayError(() => directory.resolve(`prod/${'d'.repeat(300)}`, 'postgres')).code).toBe('unknown_target');
    });
  });

  describe('upstreamFor', () => {
    const prod = directory.resolve('prod', 'postgres').target;

    it('chooses the first login whose groups match and reads its password from the environment', () => {
      expect(directory.upstreamFor(prod, person(['dev', 'ci']), 'app')).toEqual({
        host: 'db.internal',
        port: 5433,
        database: 'app',
        tls: 'verify-full',
        tlsCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        user: 'migrator',
        password: 'm1gr4t0r',
      });
    });

    it('reads the password at call time, so a changed env var applies to the next connection', () => {
      const local: NodeJS.ProcessEnv = { GH_TEST_MIGRATOR_PASSWORD: 'one' };
      const d = new ConfiguredTargetDirectory(config.targets, { env: local });
      expect(d.upstreamFor(prod, person(['ci']), 'app').password).toBe('one');
      local.GH_TEST_MIGRATOR_PASSWORD = 'two';
      expect(d.upstreamFor(prod, person(['ci']), 'app').password).toBe('two');
    });

    it('names the missing env var but never a password', () => {
      const err = gatewayError(() => directory.upstreamFor(prod, person(['analysts']), 'app'));
      expect(err.code).toBe('upstream_unavailable');
      expect(err.message).toBe(
        'target "prod": the password of upstream user "analyst" is missing (environment variable GH_TEST_ANALYST_PASSWORD is not set)',
      );
    });

    it('refuses an identity no login matches', () => {
      const err = gatewayError(() => directory.upstreamFor(prod, person(['marketing']), 'app'));
      expect(err).toMatchObject({ code: 'no_upstream_login', message: 'no upstream login of target "prod" matches your groups (marketing)' });
      expect(gatewayError(() => directory.upstreamFor(prod, person([]), 'app')).message).toContain('(none)');
    });

    it('lets a login without groups match everyone, with no password for trust auth', () => {
      const local = directory.resolve('local', 'postgres');
      expect(directory.upstreamFor(local.target, person([]), local.database)).toEqual({
        host: '127.0.0.1',
        port: 5432,
        database: 'test',
        tls: 'prefer',
        user: 'postgres',
      });
    });

    it('refuses a target that a reload removed', () => {
      const reloaded = new ConfiguredTargetDirectory(config.targets.filter((t) => t.name !== 'prod'), { env });
      expect(gatewayError(() => reloaded.upstreamFor(prod, person(['ci']), 'app')).code).toBe('unknown_target');
    });
  });
});
