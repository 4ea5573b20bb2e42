import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import {
  api,
  connectAs,
  deleteKeys,
  direct,
  gatewayConfig,
  outcome,
  REDIS_URL,
  startTestGateway,
  tableName,
  useKeyPrefix,
  type TestGateway,
} from './approvals-kit';

/**
 * approvals.key_prefix is where the requests live in Redis. A reload applies
 * what a new request takes (timeout, approvers...) at once, and names the
 * approvals keys that only a restart applies, instead of saying nothing.
 */
describe('approvals keys and reload', () => {
  const prefix = useKeyPrefix();
  const other = `${prefix}-other`;
  let gw: TestGateway;
  const table = tableName('apr', 'reload');

  beforeAll(async () => {
    await direct((c) =>
      c.query(
        `CREATE TABLE ${table} (id int PRIMARY KEY, v text); INSERT INTO ${table} VALUES (1, 'before')`,
      ),
    );
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.cleanup();
    await direct((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
    await deleteKeys(prefix);
    await deleteKeys(other);
  });

  const rewrite = (o: { keyPrefix?: string; approvalsExtra?: string }) =>
    writeFileSync(
      gw.configFile,
      gatewayConfig({ pgPort: gw.pgPort, controlPort: gw.controlPort, auditFile: gw.auditFile, ...o }),
    );

  /** Holds an UPDATE, then denies it; answers the request as the API shows it. */
  async function holdAndDeny(): Promise<{ id: string; createdAt: string; expiresAt: string }> {
    const alice = await connectAs(gw, 'alice');
    try {
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      const { body } = await api(gw, 'bob', 'GET', `/v1/approvals/${id}`);
      await api(gw, 'bob', 'POST', `/v1/approvals/${id}/deny`, { reason: 'test' });
      expect(await running).toMatchObject({ code: '42501' });
      return body as { id: string; createdAt: string; expiresAt: string };
    } finally {
      await alice.client.end();
    }
  }

  const keysUnder = async (p: string): Promise<string[]> => {
    const redis = new Redis(REDIS_URL);
    try {
      return await redis.keys(`${p}:*`);
    } finally {
      redis.disconnect();
    }
  };

  it('keeps requests under approvals.key_prefix', async () => {
    const { id } = await holdAndDeny();
    expect((await keysUnder(prefix)).some((k) => k.includes(id))).toBe(true);
  });

  it('a reload applies the timeout at once and names nothing', async () => {
    rewrite({ approvalsExtra: 'timeout: 2h' });
    const result = await gw.gateway.reload();
    expect(result).toMatchObject({ applied: true, needsRestart: [] });
    const r = await holdAndDeny();
    expect(Date.parse(r.expiresAt) - Date.parse(r.createdAt)).toBe(2 * 3600_000);
  });

  it('a reload changing the key prefix or a webhook names them; requests stay where they were', async () => {
    rewrite({
      keyPrefix: other,
      approvalsExtra: 'timeout: 2h\n  webhooks: [ { name: hook, url: "http://127.0.0.1:9/none" } ]',
    });
    const result = await gw.gateway.reload();
    expect(result).toMatchObject({
      applied: true,
      needsRestart: ['approvals.key_prefix', 'approvals.webhooks'],
    });
    expect(gw.logLines.join('\n')).toContain('these changes take effect only after a restart');
    const { id } = await holdAndDeny();
    expect((await keysUnder(prefix)).some((k) => k.includes(id))).toBe(true);
    expect(await keysUnder(other)).toEqual([]);
  });

  it('a reload removing the approvals section names it', async () => {
    writeFileSync(
      gw.configFile,
      gatewayConfig({
        pgPort: gw.pgPort,
        controlPort: gw.controlPort,
        auditFile: gw.auditFile,
        withoutApprovals: true,
      }),
    );
    const result = await gw.gateway.reload();
    expect(result).toMatchObject({ applied: true, needsRestart: ['approvals'] });
  });
});
