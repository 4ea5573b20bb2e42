import { Redis } from 'ioredis';
import { ApprovalError, type ApprovalEvent } from '../src';
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

describe('expiry (real Redis, BullMQ delayed job)', () => {
  let prefix: string;

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('expires a pending request through the delayed job, with no read to trigger it', async () => {
    const events: ApprovalEvent[] = [];
    const service = newService(prefix, { runWorkers: true, onEvent: (e) => void events.push(e) });
    await service.start();
    const { id } = await service.create(request({ timeoutMs: 300 }));
    // Only the worker can emit `expired` here: nothing reads or decides the request meanwhile.
    await eventually(() => events.some((e) => e.type === 'expired'), 5000);
    const expired = events.find((e) => e.type === 'expired');
    expect(expired?.request.status).toBe('expired');
    expect(expired?.actor).toBeNull();
    const raw = new Redis(REDIS_URL);
    try {
      expect(await raw.hget(`${prefix}:req:${id}`, 'status')).toBe('expired');
    } finally {
      await raw.quit();
    }
    const refused = await service.approve(id, DBA_BOB).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApprovalError);
    expect((refused as ApprovalError).code).toBe('not_pending');
    expect((refused as ApprovalError).message).toMatch(/has expired/);
    expect(events.filter((e) => e.type === 'expired')).toHaveLength(1);
  });

  it('the expiry job leaves a decided request alone', async () => {
    const events: ApprovalEvent[] = [];
    const service = newService(prefix, { runWorkers: true, onEvent: (e) => void events.push(e) });
    await service.start();
    const { id } = await service.create(request({ timeoutMs: 200 }));
    await service.approve(id, DBA_BOB);
    await delay(600);
    expect((await service.get(id)).status).toBe('approved');
    expect(events.map((e) => e.type)).toEqual(['requested', 'approved']);
  });

  it('expires lazily on read and on decide when no worker runs', async () => {
    const service = newService(prefix, { runWorkers: false });
    await service.start();
    const a = await service.create(request({ timeoutMs: 100 }));
    const b = await service.create(request({ timeoutMs: 100 }));
    await delay(150);
    expect((await service.get(a.id)).status).toBe('expired');
    const refused = await service.approve(b.id, DBA_BOB).catch((e: ApprovalError) => e);
    expect(refused).toMatchObject({ code: 'not_pending', details: { status: 'expired' } });
    expect((await service.list({ status: 'expired' })).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(await service.list({ status: 'pending' })).toEqual([]);
  });

  it('ends a wait as expired at the timeout even when no worker runs', async () => {
    const service = newService(prefix, { runWorkers: false });
    await service.start();
    const { id } = await service.create(request({ timeoutMs: 250 }));
    const started = Date.now();
    const decision = await service.waitForDecision(id, new AbortController().signal);
    expect(decision).toMatchObject({ id, status: 'expired', by: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect((await service.get(id)).status).toBe('expired');
  });

  it('expires once when the worker on one instance and the waiter on another both act', async () => {
    const expired: string[] = [];
    const worker = newService(prefix, { runWorkers: true, instanceId: 'gw-worker' });
    const holder = newService(prefix, { runWorkers: false, instanceId: 'gw-holder' });
    worker.onEvent((e) => void (e.type === 'expired' && expired.push('worker')));
    holder.onEvent((e) => void (e.type === 'expired' && expired.push('holder')));
    await Promise.all([worker.start(), holder.start()]);
    const { id } = await holder.create(request({ timeoutMs: 300 }));
    await expect(holder.waitForDecision(id, new AbortController().signal)).resolves.toMatchObject({
      status: 'expired',
    });
    await delay(200);
    expect(expired).toHaveLength(1);
  });
});
