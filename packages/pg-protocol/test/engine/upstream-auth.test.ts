import { Client } from 'pg';
import type { UpstreamTlsMode } from '@gatehouse/sql-core';
import { startTestGateway } from './test-gateway';
import { startThrowawayCluster, type ThrowawayCluster } from './throwaway-cluster';

describe('upstream logins with real passwords', () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 60000);
  afterAll(() => cluster?.stop());

  async function loginAs(user: string, password: string | undefined, tls: UpstreamTlsMode, tlsCa?: string) {
    const gw = await startTestGateway({ upstream: { port: cluster.port, user, password, tls, tlsCa } });
    const c = new Client({
      host: '127.0.0.1',
      port: gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local/postgres',
    });
    try {
      await c.connect();
      const r = await c.query(
        'select current_user as who, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as ssl',
      );
      return r.rows[0] as { who: string; ssl: boolean };
    } finally {
      await c.end().catch(() => undefined);
      await gw.stop();
    }
  }

  it.each([
    ['scram_user', 'SCRAM-SHA-256'],
    ['md5_user', 'MD5'],
    ['plain_user', 'cleartext'],
  ])('logs in as %s (%s)', async (user) => {
    expect(await loginAs(user, `s3cret-${user}`, 'disable')).toEqual({ who: user, ssl: false });
  });

  it('encrypts with tls require and verifies the certificate with verify-full', async () => {
    expect(await loginAs('scram_user', 's3cret-scram_user', 'require')).toEqual({
      who: 'scram_user',
      ssl: true,
    });
    expect(await loginAs('scram_user', 's3cret-scram_user', 'verify-full', cluster.caPem)).toEqual({
      who: 'scram_user',
      ssl: true,
    });
    // verify-full against the system store: the self-signed certificate is not trusted.
    await expect(loginAs('scram_user', 's3cret-scram_user', 'verify-full')).rejects.toMatchObject({
      code: '08001',
    });
  });

  it('uses TLS with prefer when the upstream offers it', async () => {
    expect(await loginAs('scram_user', 's3cret-scram_user', 'prefer')).toEqual({
      who: 'scram_user',
      ssl: true,
    });
  });

  it('reports a wrong upstream password as 08001 without echoing it', async () => {
    const err = await loginAs('scram_user', 'wrong-password', 'disable').then(
      () => null,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.code).toBe('08001');
    expect(err?.message).toMatch(/password authentication failed/);
    expect(err?.message).not.toMatch(/wrong-password/);
  });

  it('fails when the upstream asks for a password the login does not have', async () => {
    await expect(loginAs('md5_user', undefined, 'disable')).rejects.toMatchObject({ code: '08001' });
  });
});
