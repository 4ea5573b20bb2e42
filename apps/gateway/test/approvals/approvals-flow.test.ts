import { spawn } from 'node:child_process';
import { approvalsCommand } from '../../src/cli/approvals';
import { memoryIo } from '../../src/testing/memory-io';
import {
  api,
  auditRecords,
  connectAs,
  deleteKeys,
  direct,
  eventually,
  outcome,
  sendCancel,
  startTestGateway,
  tableName,
  tokenOf,
  useKeyPrefix,
  type Person,
  type TestGateway,
} from './approvals-kit';

/**
 * The whole approval flow through the real gateway: node-postgres and psql
 * as clients, the local PostgreSQL upstream, Redis, the control API and the
 * CLI. Each test holds a statement, decides it, and checks what the client
 * got; the last one reads the audit trail those tests left.
 */
describe('approvals through the gateway', () => {
  const prefix = useKeyPrefix();
  let gw: TestGateway;
  const tables: string[] = [];
  const ids: Record<string, string> = {};

  const cli = async (who: Person, ...args: string[]) => {
    const io = memoryIo(gw.dir, { GATEHOUSE_TOKEN: tokenOf(who) });
    const code = await approvalsCommand([...args, '--url', `http://127.0.0.1:${gw.controlPort}`], io);
    return { code, out: io.out, err: io.err };
  };

  async function newTable(kind: 'apr' | 'apr2', label: string): Promise<string> {
    const name = tableName(kind, label);
    tables.push(name);
    await direct((c) =>
      c.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v text); INSERT INTO ${name} VALUES (1, 'before')`),
    );
    return name;
  }
  const valueOf = (table: string) =>
    direct(
      async (c) => (await c.query(`SELECT v FROM ${table} WHERE id = 1`)).rows[0]?.v as string | undefined,
    );

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.cleanup();
    try {
      await direct((c) => c.query(tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join('; ') || 'SELECT 1'));
    } finally {
      await deleteKeys(prefix);
    }
  });

  it('psql gets the notice at once; an approver approves with the CLI; the statement runs and its result arrives', async () => {
    const table = await newTable('apr', 'psql');
    const psql = spawn(
      'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `UPDATE ${table} SET v = 'after' WHERE id = 1 RETURNING v`],
      {
        env: {
          ...process.env,
          PGHOST: '127.0.0.1',
          PGPORT: String(gw.pgPort),
          PGDATABASE: 'local',
          PGUSER: 'alice',
          PGPASSWORD: tokenOf('alice'),
          PGSSLMODE: 'disable',
        },
      },
    );
    let out = '';
    let err = '';
    psql.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => psql.once('exit', resolve));
    const id = await new Promise<string>((resolve) => {
      psql.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m =
          /NOTICE: {2}gatehouse: statement held for approval (apr_[0-9A-Z]{26}) \(rule reviewed-writes: writes to these tables need review\)/.exec(
            err,
          );
        if (m) resolve(m[1]!);
      });
    });
    ids.psql = id;
    expect(err).toContain(`DETAIL:  An approver runs: gatehouse approvals approve ${id}`);
    expect(await valueOf(table)).toBe('before');

    const approved = await cli('bob', 'approve', id, '--reason', 'looks fine');
    expect(approved).toEqual({ code: 0, out: `approved ${id}: the statement runs now\n`, err: '' });
    expect(await exited).toBe(0);
    expect(out).toContain('after');
    expect(out).toContain('UPDATE 1');
    expect(await valueOf(table)).toBe('after');
    const shown = await api(gw, 'bob', 'GET', `/v1/approvals/${id}`);
    expect(shown.body).toMatchObject({
      id,
      status: 'approved',
      requester: { subject: 'alice' },
      ruleId: 'reviewed-writes',
      approvals: 1,
      required: 1,
    });
    expect(shown.body.statement.normalized).toBe(`UPDATE ${table} SET v = $1 WHERE id = $2 RETURNING v`);
    // The literal-free shape only: no literal and no hash of the text leaves the gateway.
    expect(JSON.stringify(shown.body)).not.toContain("'after'");
    expect(shown.body.statement.textHash).toBeUndefined();
    await eventually(
      async () => (await api(gw, 'bob', 'GET', `/v1/approvals/${id}`)).body.executedAt !== null,
    );
  });

  it('a denial reaches the client as 42501 naming the decider and the reason; others cannot decide', async () => {
    const table = await newTable('apr', 'deny');
    const alice = await connectAs(gw, 'alice');
    try {
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      ids.denied = id;

      // dave is in no approver group; root is an admin, which lets him read but not decide.
      expect(await api(gw, 'dave', 'POST', `/v1/approvals/${id}/approve`, {})).toEqual({
        status: 403,
        body: { error: 'not_approver', message: `dave is in none of the approver groups of approval ${id}` },
      });
      expect((await api(gw, 'root', 'POST', `/v1/approvals/${id}/deny`, { reason: 'no' })).body.error).toBe(
        'not_approver',
      );
      expect((await api(gw, 'dave', 'GET', '/v1/approvals')).status).toBe(403);
      expect((await api(gw, 'dave', 'GET', `/v1/approvals/${id}`)).status).toBe(404);
      expect((await api(gw, 'alice', 'GET', `/v1/approvals/${id}`)).body.status).toBe('pending');
      const listed = await api(gw, 'root', 'GET', '/v1/approvals?status=pending');
      expect(listed.body.approvals.map((r: { id: string }) => r.id)).toContain(id);
      expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/deny`, {})).status).toBe(400);

      const denied = await cli('bob', 'deny', id, '--reason', 'not during the freeze');
      expect(denied.code).toBe(0);
      expect(await running).toEqual({
        code: '42501',
        message: `gatehouse: approval ${id} denied by bob: not during the freeze (rule reviewed-writes)`,
      });
      expect(await valueOf(table)).toBe('before');
      const again = await cli('carol', 'approve', id);
      expect(again).toMatchObject({
        code: 1,
        err: `approval ${id} is already denied; decisions are no longer accepted (not_pending)\n`,
      });
      // The session goes on.
      expect(await outcome(alice.client, 'SELECT 1 AS one')).toEqual({
        rows: [{ one: 1 }],
        command: 'SELECT',
      });
    } finally {
      await alice.client.end();
    }
  });

  it('the requester can never approve their own request', async () => {
    const table = await newTable('apr', 'self');
    const bob = await connectAs(gw, 'bob');
    try {
      const running = outcome(bob.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
      const id = await bob.nextApprovalId();
      const self = await cli('bob', 'approve', id);
      expect(self).toEqual({
        code: 1,
        out: '',
        err: `bob requested approval ${id} and cannot approve it; another approver must (self_approval)\n`,
      });
      expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).status).toBe(403);
      expect((await api(gw, 'bob', 'GET', `/v1/approvals/${id}`)).body).toMatchObject({
        status: 'pending',
        approvals: 0,
      });
      expect((await api(gw, 'carol', 'POST', `/v1/approvals/${id}/approve`, { reason: 'ok' })).status).toBe(
        200,
      );
      expect(await running).toEqual({ rows: [], command: 'UPDATE' });
      expect(await valueOf(table)).toBe('after');
    } finally {
      await bob.client.end();
    }
  });

  it('two of two: the statement waits for the second distinct approver', async () => {
    const table = await newTable('apr2', 'two');
    const alice = await connectAs(gw, 'alice');
    try {
      let settled = false;
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`).finally(
        () => (settled = true),
      );
      const id = await alice.nextApprovalId();
      ids.two = id;
      const first = await cli('bob', 'approve', id);
      expect(first.out).toBe(`approved ${id}: 1 of 2 approvals; waiting for 1 more from dba, oncall\n`);
      // Approving twice counts once.
      expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).body).toMatchObject({
        status: 'pending',
        approvals: 1,
      });
      // Still held after a round trip through the gateway.
      const dave = await connectAs(gw, 'dave');
      expect(await outcome(dave.client, 'SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
      await dave.client.end();
      expect(settled).toBe(false);
      expect(await valueOf(table)).toBe('before');
      expect(
        (await api(gw, 'carol', 'POST', `/v1/approvals/${id}/approve`, { reason: 'second' })).body,
      ).toMatchObject({ status: 'approved', approvals: 2 });
      expect(await running).toEqual({ rows: [], command: 'UPDATE' });
      expect(await valueOf(table)).toBe('after');
    } finally {
      await alice.client.end();
    }
  });

  it('a statement held inside a transaction keeps it open; after approval the COMMIT works', async () => {
    const table = await newTable('apr', 'txn');
    const alice = await connectAs(gw, 'alice');
    try {
      await alice.client.query('BEGIN');
      await alice.client.query(`SELECT v FROM ${table} WHERE id = 1 FOR UPDATE`);
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'in-txn' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      // The transaction is open upstream, holding its row lock while the statement waits.
      const open = await direct(
        async (c) =>
          (
            await c.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%${table}%FOR UPDATE'`,
            )
          ).rows[0].n,
      );
      expect(open).toBe(1);
      await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {});
      expect(await running).toEqual({ rows: [], command: 'UPDATE' });
      expect(await outcome(alice.client, `SELECT v FROM ${table} WHERE id = 1`)).toEqual({
        rows: [{ v: 'in-txn' }],
        command: 'SELECT',
      });
      expect(await valueOf(table)).toBe('before');
      await alice.client.query('COMMIT');
      expect(await valueOf(table)).toBe('in-txn');
    } finally {
      await alice.client.end();
    }
  });

  it('a denial inside a transaction leaves it failed, as a server error would; ROLLBACK ends it', async () => {
    const table = await newTable('apr', 'txndeny');
    const alice = await connectAs(gw, 'alice');
    try {
      await alice.client.query('BEGIN');
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'in-txn' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      await api(gw, 'bob', 'POST', `/v1/approvals/${id}/deny`, { reason: 'no' });
      expect(await running).toMatchObject({ code: '42501' });
      expect(await outcome(alice.client, 'SELECT 1')).toMatchObject({ code: '25P02' });
      await alice.client.query('ROLLBACK');
      expect(await outcome(alice.client, 'SELECT 1 AS one')).toEqual({
        rows: [{ one: 1 }],
        command: 'SELECT',
      });
      expect(await valueOf(table)).toBe('before');
    } finally {
      await alice.client.end();
    }
  });

  it('a CancelRequest while waiting answers 57014 and withdraws the request', async () => {
    const table = await newTable('apr', 'cancel');
    const alice = await connectAs(gw, 'alice');
    try {
      const running = outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
      const id = await alice.nextApprovalId();
      ids.canceled = id;
      await sendCancel(gw, alice.client);
      expect(await running).toEqual({
        code: '57014',
        message: `gatehouse: canceling statement held for approval ${id} at user request`,
      });
      await eventually(
        async () => (await api(gw, 'bob', 'GET', `/v1/approvals/${id}`)).body.status === 'withdrawn',
      );
      expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).status).toBe(409);
      expect(await valueOf(table)).toBe('before');
      expect(await outcome(alice.client, 'SELECT 2 AS two')).toEqual({
        rows: [{ two: 2 }],
        command: 'SELECT',
      });
    } finally {
      await alice.client.end();
    }
  });

  it('a client that disconnects while waiting withdraws its request', async () => {
    const table = await newTable('apr', 'gone');
    const alice = await connectAs(gw, 'alice');
    void outcome(alice.client, `UPDATE ${table} SET v = 'after' WHERE id = 1`);
    const id = await alice.nextApprovalId();
    (alice.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await eventually(
      async () => (await api(gw, 'bob', 'GET', `/v1/approvals/${id}`)).body.status === 'withdrawn',
    );
    expect((await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, {})).body.error).toBe('not_pending');
    expect(await valueOf(table)).toBe('before');
  });

  it('a CI retry of the approved text passes within the grant window; not for another identity or other text', async () => {
    const table = await newTable('apr', 'ci');
    const ddl = `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS c1 int`;
    const first = await connectAs(gw, 'alice');
    try {
      const running = outcome(first.client, ddl);
      const id = await first.nextApprovalId();
      ids.granted = id;
      await api(gw, 'bob', 'POST', `/v1/approvals/${id}/approve`, { reason: 'migration 42' });
      expect(await running).toEqual({ rows: [], command: 'ALTER' });
    } finally {
      await first.client.end();
    }
    expect((await api(gw, 'bob', 'GET', `/v1/approvals/${ids.granted!}`)).body.grantWindowMs).toBe(3_600_000);

    // The pipeline retries on a new connection: no notice, no wait.
    const retry = await connectAs(gw, 'alice');
    try {
      expect(await outcome(retry.client, ddl)).toEqual({ rows: [], command: 'ALTER' });
      expect(await outcome(retry.client, ddl)).toEqual({ rows: [], command: 'ALTER' });
      expect(retry.notices.filter((n) => n.includes('held for approval'))).toEqual([]);
      // Other text (another column) needs its own review.
      const other = outcome(retry.client, `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS c2 int`);
      const otherId = await retry.nextApprovalId();
      expect(otherId).not.toBe(ids.granted);
      await api(gw, 'bob', 'POST', `/v1/approvals/${otherId}/deny`, { reason: 'not reviewed' });
      expect(await other).toMatchObject({ code: '42501' });
    } finally {
      await retry.client.end();
    }
    // Another identity (also CI) with the same text needs its own review.
    const erin = await connectAs(gw, 'erin');
    try {
      const held = outcome(erin.client, ddl);
      const erinId = await erin.nextApprovalId();
      expect(erinId).not.toBe(ids.granted);
      await api(gw, 'bob', 'POST', `/v1/approvals/${erinId}/deny`, { reason: 'not yours' });
      expect(await held).toMatchObject({
        code: '42501',
        message: expect.stringContaining('denied by bob: not yours'),
      });
    } finally {
      await erin.client.end();
    }
  });

  it('lists and shows requests with the CLI, as text or JSON', async () => {
    const list = await cli('root', 'list', '--status', 'denied');
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(
      /^ID +STATUS +REQUESTER +TARGET +RULE +APPROVALS +EXPIRES +STATEMENT$/,
    );
    expect(list.out).toContain(ids.denied);
    expect(list.out).not.toContain(ids.psql);
    const json = await cli('bob', 'list', '--json', '--status', 'withdrawn', '--limit', '10');
    const withdrawn = (JSON.parse(json.out) as { approvals: { id: string; status: string }[] }).approvals;
    expect(withdrawn.map((r) => r.id)).toContain(ids.canceled);
    expect(withdrawn.every((r) => r.status === 'withdrawn')).toBe(true);
    const shown = await cli('bob', 'show', ids.two!);
    expect(shown.out).toContain(`${ids.two}  approved (executed)`);
    expect(shown.out).toContain('approvals:  2 of 2, by members of dba, oncall');
    expect(shown.out).toMatch(/approved by bob at .*\napproved by carol at .*: second\n$/);
    expect(await cli('dave', 'list')).toMatchObject({
      code: 1,
      err: 'this needs membership in an approver group or control.admins (forbidden)\n',
    });
  });

  it('serves the approval routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${gw.controlPort}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/approvals',
        '/v1/approvals/{id}',
        '/v1/approvals/{id}/approve',
        '/v1/approvals/{id}/deny',
      ]),
    );
  });

  it("wrote each request's story to the audit trail of the process that held it", async () => {
    await gw.stop();
    const records = auditRecords(gw.auditFile);
    const of = (id: string) => records.filter((r) => r.approval_id === id).map((r) => r.type);

    expect(of(ids.psql!)).toEqual([
      'approval.requested',
      'statement.intent',
      'approval.approved',
      'approval.executed',
    ]);
    const approved = records.find((r) => r.type === 'approval.approved' && r.approval_id === ids.psql);
    expect(approved).toMatchObject({ approver: 'bob', reason: 'looks fine', approvals: 1, required: 1 });
    const requested = records.find((r) => r.type === 'approval.requested' && r.approval_id === ids.psql)!;
    expect(requested).toMatchObject({
      subject: 'alice',
      target: 'local',
      environment: 'production',
      rule_id: 'reviewed-writes',
      required: 1,
    });
    const executed = records.find((r) => r.type === 'approval.executed' && r.approval_id === ids.psql)!;
    expect(executed).toMatchObject({
      session_id: requested.session_id,
      statement_seq: requested.statement_seq,
      approvers: ['bob'],
    });

    expect(of(ids.denied!)).toEqual(['approval.requested', 'statement.intent', 'approval.denied']);
    expect(records.find((r) => r.type === 'approval.denied' && r.approval_id === ids.denied)).toMatchObject({
      approver: 'bob',
      reason: 'not during the freeze',
    });
    expect(of(ids.two!)).toEqual([
      'approval.requested',
      'statement.intent',
      'approval.approved',
      'approval.approved',
      'approval.executed',
    ]);
    expect(
      records
        .filter((r) => r.type === 'approval.approved' && r.approval_id === ids.two)
        .map((r) => [r.approver, r.approvals]),
    ).toEqual([
      ['bob', 1],
      ['carol', 2],
    ]);
    expect(of(ids.canceled!)).toEqual(['approval.requested', 'statement.intent', 'approval.withdrawn']);
    expect(
      records.find((r) => r.type === 'approval.withdrawn' && r.approval_id === ids.canceled),
    ).toMatchObject({ why: 'canceled' });
    // The approval, then two retries under its grant, each recorded with its own session and statement.
    const grantRuns = records.filter((r) => r.type === 'approval.executed' && r.approval_id === ids.granted);
    expect(grantRuns).toHaveLength(3);
    expect(new Set(grantRuns.map((r) => `${String(r.session_id)}#${String(r.statement_seq)}`)).size).toBe(3);
    expect(grantRuns.every((r) => JSON.stringify(r.approvers) === '["bob"]')).toBe(true);
    // The held run's intent, then each retry's, naming the approval it ran under.
    expect(
      records
        .filter((r) => r.type === 'statement.intent' && r.approval_id === ids.granted)
        .map((r) => r.decision),
    ).toEqual(['review', 'allow', 'allow']);
    // Literals never reach the trail through approvals.
    expect(
      records
        .filter((r) => String(r.type).startsWith('approval.'))
        .some((r) => JSON.stringify(r).includes("'after'")),
    ).toBe(false);
  });
});
