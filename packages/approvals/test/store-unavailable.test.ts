import { ApprovalError } from '../src';
import {
  DBA_BOB,
  REDIS_URL,
  closeAll,
  delay,
  deleteKeys,
  eventually,
  newService,
  request,
  uniquePrefix,
} from './helpers';
import { TcpProxy } from './tcp-proxy';

describe('Redis unreachable', () => {
  let prefix: string;

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('create rejects quickly with store_unavailable when nothing listens; start does not fail', async () => {
    const service = newService(prefix, {
      redis: 'redis://127.0.0.1:1',
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
    });
    const startedAt = Date.now();
    await service.start();
    expect(Date.now() - startedAt).toBeLessThan(1500);
    expect(service.storeReachable).toBe(false);
    const t0 = Date.now();
    const err = await service.create(request()).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(600);
    expect(err).toBeInstanceOf(ApprovalError);
    expect((err as ApprovalError).code).toBe('store_unavailable');
    expect((err as ApprovalError).message).toMatch(/approval store/);
    await expect(service.get('apr_01JAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await expect(service.list()).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(
      service.findGrant({
        subject: 'a',
        target: { name: 'p' },
        database: 'd',
        fingerprint: 'f',
        textHash: 'h',
      }),
    ).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });

  it('operations before start are refused as store_unavailable', async () => {
    const service = newService(prefix);
    await expect(service.create(request())).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(/not been started/),
    });
    await expect(
      service.waitForDecision('apr_01JAAAAAAAAAAAAAAAAAAAAAAA', new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    expect(service.storeReachable).toBe(false);
  });

  describe('through a relay that can be cut', () => {
    let proxy: TcpProxy;

    beforeEach(async () => {
      const url = new URL(REDIS_URL);
      proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
      await proxy.listen();
    });

    afterEach(async () => {
      await proxy.cut();
    });

    it('keeps waiting while Redis is away and learns the decision taken meanwhile once it is back', async () => {
      const holder = newService(prefix, {
        redis: `redis://127.0.0.1:${proxy.port}`,
        instanceId: 'gw-holder',
        runWorkers: false,
        connectTimeoutMs: 300,
        commandTimeoutMs: 300,
        recheckIntervalMs: 60_000, // prove the reconnect re-read, not the safety-net poll
      });
      const api = newService(prefix, { instanceId: 'gw-api', runWorkers: false });
      await Promise.all([holder.start(), api.start()]);
      const { id } = await holder.create(request());
      let settled = false;
      const waiting = holder.waitForDecision(id, new AbortController().signal).finally(() => {
        settled = true;
      });
      await delay(20);

      expect(holder.waiting).toBe(1);
      expect(holder.storeReachable).toBe(true);
      await proxy.cut();
      await delay(50);
      expect(holder.storeReachable).toBe(false);
      // Meanwhile the holder can't reach Redis: a new review is denied promptly.
      await expect(holder.create(request())).rejects.toMatchObject({ code: 'store_unavailable' });
      // The decision is taken through another instance while the holder is cut off: its message is lost.
      await api.approve(id, { ...DBA_BOB, reason: 'approved during the outage' });
      await delay(100);
      expect(settled).toBe(false);

      await proxy.listen();
      await expect(waiting).resolves.toMatchObject({
        id,
        status: 'approved',
        by: 'bob',
        reason: 'approved during the outage',
      });
      // And the holder works normally again.
      await eventually(async () => (await holder.get(id).catch(() => null))?.status === 'approved', 5000);
    });

    it('pending requests are intact after an outage, and decisions flow again', async () => {
      const holder = newService(prefix, {
        redis: `redis://127.0.0.1:${proxy.port}`,
        instanceId: 'gw-holder',
        runWorkers: false,
        connectTimeoutMs: 300,
        commandTimeoutMs: 300,
      });
      const api = newService(prefix, { instanceId: 'gw-api', runWorkers: false });
      await Promise.all([holder.start(), api.start()]);
      const { id } = await holder.create(request());
      const waiting = holder.waitForDecision(id, new AbortController().signal);
      await proxy.cut();
      await delay(100);
      await proxy.listen();
      await eventually(async () => (await holder.get(id).catch(() => null))?.status === 'pending', 5000);
      await delay(50);
      await api.deny(id, { ...DBA_BOB, reason: 'after the outage' });
      await expect(waiting).resolves.toMatchObject({ status: 'denied', reason: 'after the outage' });
    });
  });
});
