import { Redis } from 'ioredis';
import { ApprovalError, type ApprovalEvent, type ApprovalService } from '../src';
import {
  DBA_BOB,
  REDIS_URL,
  closeAll,
  delay,
  deleteKeys,
  newService,
  request,
  uniquePrefix,
} from './helpers';

describe('waitForDecision across gateway instances (real Redis)', () => {
  let prefix: string;
  let holder: ApprovalService; // instance A: holds the statement and waits
  let api: ApprovalService; // instance B: its control API takes the decision

  beforeEach(async () => {
    prefix = uniquePrefix();
    holder = newService(prefix, { instanceId: 'gw-a', runWorkers: false });
    api = newService(prefix, { instanceId: 'gw-b', runWorkers: false });
    await Promise.all([holder.start(), api.start()]);
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('resolves on A when B approves', async () => {
    const { id } = await holder.create(request());
    const waiting = holder.waitForDecision(id, new AbortController().signal);
    await delay(20); // the waiter is subscribed and has re-read by now
    await api.approve(id, { ...DBA_BOB, reason: 'ship it' });
    await expect(waiting).resolves.toMatchObject({ id, status: 'approved', by: 'bob', reason: 'ship it' });
  });

  it('resolves on A when B denies, with the decider and reason', async () => {
    const { id } = await holder.create(request());
    const waiting = holder.waitForDecision(id, new AbortController().signal);
    await api.deny(id, { ...DBA_BOB, reason: 'use a migration' });
    const decision = await waiting;
    expect(decision).toMatchObject({ status: 'denied', by: 'bob', reason: 'use a migration' });
    expect(Date.parse(decision.at)).not.toBeNaN();
  });

  it('resolves at once when the decision landed before the wait began', async () => {
    const { id } = await holder.create(request());
    await api.approve(id, DBA_BOB);
    await expect(holder.waitForDecision(id, new AbortController().signal)).resolves.toMatchObject({
      status: 'approved',
      by: 'bob',
    });
  });

  it('stays pending through the first of two approvals', async () => {
    const { id } = await holder.create(request({ required: 2 }));
    let settled = false;
    const waiting = holder.waitForDecision(id, new AbortController().signal).finally(() => {
      settled = true;
    });
    await api.approve(id, DBA_BOB);
    await delay(50);
    expect(settled).toBe(false);
    await api.approve(id, { subject: 'carol', groups: ['dba'] });
    await expect(waiting).resolves.toMatchObject({ status: 'approved', by: 'carol' });
  });

  it('rejects with the abort reason when the client cancels; the caller withdraws', async () => {
    const events: ApprovalEvent[] = [];
    holder.onEvent((e) => void events.push(e));
    const { id } = await holder.create(request());
    const controller = new AbortController();
    const waiting = holder.waitForDecision(id, controller.signal);
    await delay(10);
    controller.abort(new Error('client sent CancelRequest'));
    await expect(waiting).rejects.toThrow('client sent CancelRequest');
    await holder.withdraw(id, 'canceled');
    expect(events.map((e) => e.type)).toEqual(['requested', 'withdrawn']);
    const refused = await api.approve(id, DBA_BOB).catch((e: ApprovalError) => e);
    expect(refused).toBeInstanceOf(ApprovalError);
    expect((refused as ApprovalError).code).toBe('not_pending');
  });

  it('rejects at once for an already-aborted signal, and not_found for an unknown id', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const { id } = await holder.create(request());
    await expect(holder.waitForDecision(id, controller.signal)).rejects.toThrow('gone');
    await expect(
      holder.waitForDecision('apr_01JAAAAAAAAAAAAAAAAAAAAAAA', new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('ends as withdrawn when another instance withdraws', async () => {
    const { id } = await holder.create(request());
    const waiting = holder.waitForDecision(id, new AbortController().signal);
    await api.withdraw(id, 'shutdown');
    await expect(waiting).resolves.toMatchObject({ status: 'withdrawn', reason: 'shutdown' });
  });

  it('serves several waiters on one request and on many requests', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => holder.create(request()).then((r) => r.id)),
    );
    const wait = (id: string) => holder.waitForDecision(id, new AbortController().signal);
    const waits = ids.flatMap((id) => [wait(id), wait(id)]);
    await Promise.all(
      ids.map((id, i) => (i % 2 ? api.approve(id, DBA_BOB) : api.deny(id, { ...DBA_BOB, reason: 'no' }))),
    );
    const decisions = await Promise.all(waits);
    expect(decisions.map((d) => d.status)).toEqual(
      ids.flatMap((_, i) => (i % 2 ? ['approved', 'approved'] : ['denied', 'denied'])),
    );
  });

  it('ends every wait with closed when the service closes', async () => {
    const { id } = await holder.create(request());
    const waiting = holder.waitForDecision(id, new AbortController().signal);
    const outcome = expect(waiting).rejects.toMatchObject({ code: 'closed' });
    await holder.close();
    await outcome;
  });

  it('does not release a statement on a forged "approved" message; the store decides', async () => {
    const { id } = await holder.create(request());
    let settled = false;
    const waiting = holder.waitForDecision(id, new AbortController().signal).finally(() => {
      settled = true;
    });
    const raw = new Redis(REDIS_URL);
    try {
      await delay(20);
      await raw.publish(
        `${prefix}:events`,
        JSON.stringify({ id, type: 'approved', status: 'approved', by: 'mallory', at: Date.now() }),
      );
      await delay(100);
      expect(settled).toBe(false);
      await api.deny(id, { ...DBA_BOB, reason: 'real decision' });
      await expect(waiting).resolves.toMatchObject({ status: 'denied', by: 'bob' });
    } finally {
      await raw.quit();
    }
  });
});
