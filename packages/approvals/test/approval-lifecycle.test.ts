import { ApprovalError, statementTextHash, type ApprovalEvent, type ApprovalService } from '../src';
import { Redis } from 'ioredis';
import {
  ALICE,
  DBA_BOB,
  DBA_CAROL,
  REDIS_URL,
  closeAll,
  countKeys,
  deleteKeys,
  newService,
  request,
  uniquePrefix,
} from './helpers';

async function refusal(p: Promise<unknown>): Promise<ApprovalError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApprovalError) return err;
    throw err;
  }
  throw new Error('expected the operation to be refused');
}

describe('approval lifecycle (real Redis)', () => {
  let prefix: string;
  let service: ApprovalService;
  let events: ApprovalEvent[];

  beforeEach(async () => {
    prefix = uniquePrefix();
    events = [];
    service = newService(prefix, { runWorkers: false, onEvent: (e) => void events.push(e) });
    await service.start();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
    expect(await countKeys(prefix)).toBe(0);
  });

  it('creates a pending request that get and list return, without the raw text', async () => {
    const input = request();
    const created = await service.create(input);
    expect(created.id).toMatch(/^apr_[0-9A-Z]{26}$/);
    expect(created.status).toBe('pending');
    expect(created.requester).toEqual({ subject: 'alice', groups: ['ci'] });
    expect(created.approverGroups).toEqual(['dba']);
    expect(created.required).toBe(1);
    expect(created.statement.textHash).toBe(statementTextHash(input.sql));
    expect(created.statement.normalized).toBe('UPDATE users SET email = $1 WHERE id = $2');
    expect(created.statement.statements[0]?.tablesWritten).toEqual(['public.users']);
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(60_000);

    const read = await service.get(created.id);
    expect(read).toEqual(created);
    expect(JSON.stringify(read)).not.toContain('jane@example.com');

    const second = await service.create(request({ ruleId: 'other' }));
    const all = await service.list();
    expect(all.map((r) => r.id)).toEqual([second.id, created.id]);
    expect((await service.list({ status: 'pending', limit: 1 })).map((r) => r.id)).toEqual([second.id]);
    expect((await service.list({ before: second.createdAt })).map((r) => r.id)).toEqual(
      second.createdAt === created.createdAt ? [] : [created.id],
    );
    expect(await service.list({ status: 'approved' })).toEqual([]);
    expect(events.map((e) => [e.type, e.actor?.subject])).toEqual([
      ['requested', 'alice'],
      ['requested', 'alice'],
    ]);
  });

  it('answers not_found for unknown and malformed ids', async () => {
    expect((await refusal(service.get('apr_01JAAAAAAAAAAAAAAAAAAAAAAA'))).code).toBe('not_found');
    expect((await refusal(service.get('nope'))).code).toBe('not_found');
    expect((await refusal(service.approve('apr_01JAAAAAAAAAAAAAAAAAAAAAAA', DBA_BOB))).code).toBe(
      'not_found',
    );
  });

  it('approves with one approval, records the decision and emits the event', async () => {
    const { id } = await service.create(request());
    const approved = await service.approve(id, { ...DBA_BOB, reason: 'looks fine' });
    expect(approved.status).toBe('approved');
    expect(approved.approvals).toBe(1);
    expect(approved.decidedAt).not.toBeNull();
    expect(approved.decisions).toEqual([
      { by: 'bob', groups: ['dba'], decision: 'approve', reason: 'looks fine', at: approved.decidedAt },
    ]);
    expect(approved.history.map((h) => h.type)).toEqual(['requested', 'approved']);
    expect((await service.list({ status: 'approved' })).map((r) => r.id)).toEqual([id]);
    expect(await service.list({ status: 'pending' })).toEqual([]);
    const last = events.at(-1);
    expect(last?.type).toBe('approved');
    expect(last?.actor?.subject).toBe('bob');
    expect(last?.request.status).toBe('approved');

    const executed = await service.recordExecuted(id);
    expect(executed.executedAt).not.toBeNull();
    expect(events.at(-1)?.type).toBe('executed');
    await service.recordExecuted(id); // recorded once
    expect(events.filter((e) => e.type === 'executed')).toHaveLength(1);
  });

  it('denies with a reason; the denial is final', async () => {
    const { id } = await service.create(request());
    expect((await refusal(service.deny(id, { ...DBA_BOB }))).code).toBe('invalid_input'); // a denial needs a reason
    const denied = await service.deny(id, { ...DBA_BOB, reason: 'not during the freeze' });
    expect(denied.status).toBe('denied');
    expect(denied.decisions[0]).toMatchObject({
      by: 'bob',
      decision: 'deny',
      reason: 'not during the freeze',
    });
    const late = await refusal(service.approve(id, DBA_CAROL));
    expect(late.code).toBe('not_pending');
    expect(late.status).toBe('denied');
    expect(late.message).toContain('already denied');
    expect((await refusal(service.recordExecuted(id))).code).toBe('not_approved');
  });

  it('refuses self-approval and non-approvers with clear errors', async () => {
    const { id } = await service.create(request({ requester: { subject: 'bob', groups: ['dba'] } }));
    const self = await refusal(service.approve(id, DBA_BOB));
    expect(self.code).toBe('self_approval');
    expect(self.message).toMatch(/bob requested approval apr_\w+ and cannot approve it/);
    const outsider = await refusal(service.approve(id, ALICE));
    expect(outsider.code).toBe('not_approver');
    expect((await refusal(service.deny(id, { ...ALICE, reason: 'no' }))).code).toBe('not_approver');
    expect((await service.get(id)).status).toBe('pending');
    expect((await service.get(id)).approvals).toBe(0);
  });

  it('needs two distinct approvers for two of two; a repeated approval counts once', async () => {
    const { id } = await service.create(request({ required: 2 }));
    const first = await service.approve(id, { ...DBA_BOB, reason: 'ok' });
    expect(first.status).toBe('pending');
    expect(first.approvals).toBe(1);
    const again = await service.approve(id, { ...DBA_BOB, reason: 'ok again' });
    expect(again.status).toBe('pending');
    expect(again.approvals).toBe(1);
    expect(again.decisions).toHaveLength(1);
    const second = await service.approve(id, { ...DBA_CAROL, reason: 'second pair of eyes' });
    expect(second.status).toBe('approved');
    expect(second.approvals).toBe(2);
    expect(second.decisions.map((d) => d.by)).toEqual(['bob', 'carol']);
    // The same approver repeating after the request is final: idempotent, not an error.
    const repeat = await service.approve(id, DBA_CAROL);
    expect(repeat.status).toBe('approved');
    expect(events.filter((e) => e.type === 'approved')).toHaveLength(2);
    // A new decision on the final request is refused.
    expect((await refusal(service.deny(id, { subject: 'dave', groups: ['dba'], reason: 'late' }))).code).toBe(
      'not_pending',
    );
  });

  it('lets an approver who approved deny while it is still pending (stricter is allowed)', async () => {
    const { id } = await service.create(request({ required: 2 }));
    await service.approve(id, DBA_BOB);
    const denied = await service.deny(id, { ...DBA_BOB, reason: 'changed my mind' });
    expect(denied.status).toBe('denied');
  });

  it('uses the rule approver groups instead of the global ones', async () => {
    const { id } = await service.create(request({ approvers: ['oncall'] }));
    expect((await refusal(service.approve(id, DBA_BOB))).code).toBe('not_approver');
    expect((await service.approve(id, DBA_CAROL)).status).toBe('approved');
  });

  it('withdraws a pending request; later decisions are refused; a late withdrawal changes nothing', async () => {
    const { id } = await service.create(request());
    const withdrawn = await service.withdraw(id, 'canceled');
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.history.at(-1)).toMatchObject({
      type: 'withdrawn',
      reason: 'canceled',
      instance: 'gw-test-a',
    });
    const refused = await refusal(service.approve(id, DBA_BOB));
    expect(refused.code).toBe('not_pending');
    expect(refused.status).toBe('withdrawn');
    const other = await service.create(request());
    await service.approve(other.id, DBA_BOB);
    expect((await service.withdraw(other.id, 'session_closed')).status).toBe('approved');
    expect(events.filter((e) => e.type === 'withdrawn')).toHaveLength(1);
  });

  it('validates input with messages that name what to fix', async () => {
    await expect(service.create(request({ statements: [] }))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(service.create(request({ required: 0 }))).rejects.toThrow(/required must be a whole number/);
    await expect(service.create(request({ approvers: [] }))).rejects.toThrow(
      /approvers must list at least one group/,
    );
    await expect(service.create(request({ requester: { subject: '', groups: [] } }))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      service.approve('apr_01JAAAAAAAAAAAAAAAAAAAAAAA', {
        subject: 'x',
        groups: ['dba'],
        reason: 'x'.repeat(1001),
      }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('survives a restart: a new service on the same prefix reads and decides the request', async () => {
    const { id } = await service.create(request());
    await service.close();
    const restarted = newService(prefix, { runWorkers: false, instanceId: 'gw-test-b' });
    await restarted.start();
    expect((await restarted.get(id)).status).toBe('pending');
    expect((await restarted.approve(id, DBA_BOB)).status).toBe('approved');
  });

  it('counts concurrent approvals from two instances exactly once each', async () => {
    const other = newService(prefix, { runWorkers: false, instanceId: 'gw-test-b' });
    await other.start();
    const approvers = Array.from({ length: 6 }, (_, i) => ({ subject: `dba${i}`, groups: ['dba'] }));
    const { id } = await service.create(request({ required: 5 }));
    // Every approver submits twice, half through each instance, all at once.
    const results = await Promise.allSettled(
      approvers.flatMap((a, i) => [
        service.approve(id, a),
        other.approve(id, a),
        (i % 2 ? service : other).approve(id, a),
      ]),
    );
    const final = await service.get(id);
    expect(final.status).toBe('approved');
    expect(final.approvals).toBe(5);
    expect(new Set(final.decisions.map((d) => d.by)).size).toBe(5);
    expect(final.decisions).toHaveLength(5);
    // The sixth approver arrived after the fifth: refused as not pending, nothing else.
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as ApprovalError).code).toBe('not_pending');
    }
  });

  it('keeps decided requests for the retention period and trims index entries past it', async () => {
    const short = newService(prefix, { runWorkers: false, retentionMs: 5_000, instanceId: 'gw-retention' });
    await short.start();
    const raw = new Redis(REDIS_URL);
    try {
      const { id } = await short.create(request());
      const pendingTtl = await raw.pttl(`${prefix}:req:${id}`);
      expect(pendingTtl).toBeGreaterThan(60_000); // timeout + retention while pending
      await short.approve(id, DBA_BOB);
      const ttl = await raw.pttl(`${prefix}:req:${id}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5_000);
      expect(await raw.pttl(`${prefix}:req:${id}:history`)).toBeLessThanOrEqual(5_000);
      // An index entry for a request Redis dropped long ago: trimmed by the next create.
      await raw.zadd(`${prefix}:idx:approved`, 1, 'apr_01ARYZ6S410000000000000000');
      await raw.zadd(`${prefix}:idx:all`, 1, 'apr_01ARYZ6S410000000000000000');
      await short.create(request());
      expect(await raw.zrange(`${prefix}:idx:approved`, 0, -1)).toEqual([id]);
      // One the trim can't see yet is dropped from the indexes when a read finds it gone.
      await raw.zadd(`${prefix}:idx:all`, Date.now(), 'apr_01ARYZ6S410000000000000001');
      expect((await short.list()).map((r) => r.id)).not.toContain('apr_01ARYZ6S410000000000000001');
      expect(await raw.zscore(`${prefix}:idx:all`, 'apr_01ARYZ6S410000000000000001')).toBeNull();
    } finally {
      await raw.quit();
    }
  });
});
