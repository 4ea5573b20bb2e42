import { Client } from 'pg';
import type {
  ApprovalGate,
  ApprovalGateOutcome,
  ApprovalGateTicket,
  ApprovalWithdrawReason,
  Policy,
} from '@gatehouse/sql-core';
import { createPostgresAnalyser } from '@gatehouse/sql-core';
import { BackendCode, decodeErrorFields, encodeCancelRequest, encodeQuery } from '../../src/codec';
import { startTestGateway, type TestGateway } from './test-gateway';
import { RawClient } from './wire';

/**
 * Approvals kept in memory: the engine's side of a held statement (the
 * notice lent to the pipeline, the signal it aborts on cancel or close) is
 * what is under test here; the Redis-backed store is tested in apps/gateway.
 */
class MemoryApprovals implements ApprovalGate {
  readonly withdrawn: { id: string; why: ApprovalWithdrawReason }[] = [];
  readonly executedIds: string[] = [];
  readonly #waiting = new Map<string, (outcome: ApprovalGateOutcome) => void>();
  #seq = 0;

  async request(): Promise<ApprovalGateTicket> {
    return { kind: 'pending', approvalId: `appr-${++this.#seq}`, expiresAt: '2099-01-01T00:00:00.000Z' };
  }

  wait(approvalId: string, signal: AbortSignal): Promise<ApprovalGateOutcome> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      this.#waiting.set(approvalId, resolve);
    });
  }

  async withdraw(approvalId: string, why: ApprovalWithdrawReason): Promise<void> {
    this.withdrawn.push({ id: approvalId, why });
  }

  executed(approvalId: string): void {
    this.executedIds.push(approvalId);
  }

  approve(approvalId: string): void {
    this.#waiting.get(approvalId)?.({ status: 'approved', approvalId, by: 'bob', reason: null });
  }
}

/** Statements naming gh_held_review are held for approval; everything else runs. */
const reviewHeld: Policy = {
  evaluate: ({ facts }) =>
    facts.normalized.includes('gh_held_review')
      ? { action: 'review', ruleId: 'held', reason: 'test review' }
      : { action: 'allow', ruleId: 'all', reason: 'test' },
};

describe('PostgreSQL engine: a statement held for approval', () => {
  let gw: TestGateway;
  let approvals: MemoryApprovals;
  beforeAll(async () => {
    approvals = new MemoryApprovals();
    gw = await startTestGateway({ policy: reviewHeld, analyser: await createPostgresAnalyser(), approvals });
  });
  afterAll(() => gw.stop());

  async function connect(): Promise<{
    client: Client;
    notices: string[];
    noticeArrived: () => Promise<string>;
  }> {
    const client = new Client({
      host: '127.0.0.1',
      port: gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    const notices: string[] = [];
    let wake: (() => void) | null = null;
    client.on('notice', (n) => {
      notices.push(String(n.message));
      wake?.();
    });
    await client.connect();
    const noticeArrived = async (): Promise<string> => {
      while (notices.length === 0) await new Promise<void>((r) => (wake = r));
      return notices[0] as string;
    };
    return { client, notices, noticeArrived };
  }

  const approvalIdIn = (notice: string): string => /held for approval (appr-\d+)/.exec(notice)?.[1] ?? '';

  it('tells the client at once, waits, and runs once approved', async () => {
    const { client, noticeArrived } = await connect();
    try {
      const running = client.query('select 7 as gh_held_review');
      const id = approvalIdIn(await noticeArrived());
      expect(id).toMatch(/^appr-\d+$/);
      approvals.approve(id);
      expect((await running).rows).toEqual([{ gh_held_review: 7 }]);
      expect(approvals.executedIds).toContain(id);
    } finally {
      await client.end();
    }
  });

  it('a CancelRequest withdraws the held statement (57014) and the session goes on', async () => {
    const { client, noticeArrived } = await connect();
    try {
      const running = client.query('select 8 as gh_held_review');
      const id = approvalIdIn(await noticeArrived());
      const keys = client as unknown as { processID: number; secretKey: number };
      const cancel = await RawClient.connect(gw.port);
      const secret = Buffer.alloc(4);
      secret.writeInt32BE(keys.secretKey | 0);
      cancel.socket.write(encodeCancelRequest(keys.processID, secret));
      await expect(running).rejects.toMatchObject({ code: '57014' });
      expect(approvals.withdrawn).toContainEqual({ id, why: 'canceled' });
      expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('a client gone while its statement is held withdraws the request', async () => {
    const c = await RawClient.login(gw.port);
    c.socket.write(encodeQuery('select 9 as gh_held_review'));
    const [notice] = (await c.until(BackendCode.NoticeResponse)).filter(
      (m) => m.code === BackendCode.NoticeResponse,
    );
    const id = approvalIdIn(decodeErrorFields(notice?.payload ?? Buffer.alloc(0)).message);
    expect(id).toMatch(/^appr-\d+$/);
    c.socket.destroy();
    const until = Date.now() + 5000;
    while (!approvals.withdrawn.some((w) => w.id === id) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(approvals.withdrawn).toContainEqual({ id, why: 'session_closed' });
  });
});
