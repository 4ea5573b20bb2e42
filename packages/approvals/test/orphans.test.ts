import type { ApprovalEvent } from '../src';
import { DBA_BOB, closeAll, deleteKeys, eventually, newService, request, uniquePrefix } from './helpers';

describe('gateway restart: orphaned requests are withdrawn, never executed (real Redis)', () => {
  let prefix: string;

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('a restarted instance withdraws the pending requests of its previous run, and only those', async () => {
    const before = newService(prefix, {
      instanceId: 'gw-1',
      runWorkers: false,
      withdrawOrphansOnStart: false,
    });
    const other = newService(prefix, {
      instanceId: 'gw-2',
      runWorkers: false,
      withdrawOrphansOnStart: false,
    });
    await Promise.all([before.start(), other.start()]);
    const orphan = await before.create(request());
    const decided = await before.create(request());
    await other.approve(decided.id, DBA_BOB);
    const elsewhere = await other.create(request());
    await before.close(); // the process dies with its clients

    const events: ApprovalEvent[] = [];
    const after = newService(prefix, {
      instanceId: 'gw-1',
      runWorkers: false,
      onEvent: (e) => void events.push(e),
    });
    await after.start();
    await eventually(() => events.some((e) => e.type === 'withdrawn'));
    const r = await after.get(orphan.id);
    expect(r.status).toBe('withdrawn');
    expect(r.history.at(-1)).toMatchObject({ type: 'withdrawn', reason: 'shutdown', by: null });
    expect((await after.get(decided.id)).status).toBe('approved');
    expect((await after.get(elsewhere.id)).status).toBe('pending');
    await expect(other.approve(orphan.id, DBA_BOB)).rejects.toMatchObject({ code: 'not_pending' });

    // The sweep never touches this run's own requests.
    const mine = await after.create(request());
    expect(await after.withdrawOrphans()).toEqual([]);
    expect((await after.get(mine.id)).status).toBe('pending');
  });

  it('an operator can withdraw every pending request of an instance that will not return', async () => {
    const gone = newService(prefix, { instanceId: 'gw-gone', runWorkers: false });
    const admin = newService(prefix, { instanceId: 'gw-admin', runWorkers: false });
    await Promise.all([gone.start(), admin.start()]);
    const a = await gone.create(request());
    const b = await gone.create(request());
    const mine = await admin.create(request());
    expect((await admin.withdrawOrphans({ instanceId: 'gw-gone' })).sort()).toEqual([a.id, b.id].sort());
    expect((await admin.get(mine.id)).status).toBe('pending');
  });
});
