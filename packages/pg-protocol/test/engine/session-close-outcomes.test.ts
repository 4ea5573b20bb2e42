import type { Client } from 'pg';
import type { AuditEvent } from '@gatehouse/sql-core';
import { BackendCode, encodeQuery } from '../../src/codec';
import { startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { RawClient } from './wire';

/** Every forwarded statement's intent gets an outcome, even when the session closes first. */
describe('statements still running when the session closes', () => {
  let gw: MaskingGateway;

  beforeAll(async () => {
    gw = await startMaskingGateway();
  });
  afterAll(() => gw.stop());

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  }

  function outcomeOf(
    sessionId: string,
    seq: number,
  ): Extract<AuditEvent, { type: 'statement.outcome' }> | undefined {
    return gw.audit.find(
      (e): e is Extract<AuditEvent, { type: 'statement.outcome' }> =>
        e.type === 'statement.outcome' && e.session_id === sessionId && e.statement_seq === seq,
    );
  }

  async function runningSleep(): Promise<{ client: Client; sessionId: string; seq: number; pid: number }> {
    const client = gw.client('token-dba');
    await client.connect();
    client.on('error', () => undefined);
    const pid = ((await client.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
    void client.query('select pg_sleep(30)').catch(() => undefined);
    let intent: Extract<AuditEvent, { type: 'statement.intent' }> | undefined;
    await until(() => {
      intent = gw.audit.find(
        (e): e is Extract<AuditEvent, { type: 'statement.intent' }> =>
          e.type === 'statement.intent' &&
          e.statements[0]?.sql === 'select pg_sleep($1)' &&
          outcomeOf(e.session_id, e.statement_seq) === undefined,
      );
      return intent !== undefined;
    });
    // The sleep has reached the upstream.
    const direct = gw.direct();
    await direct.connect();
    for (let i = 0; i < 100; i++) {
      const r = await direct.query(
        "select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'",
        [pid],
      );
      if (r.rowCount === 1) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    await direct.end();
    return { client, sessionId: intent!.session_id, seq: intent!.statement_seq, pid };
  }

  it('the client goes away mid-statement: its outcome says unknown, before the session end', async () => {
    const { client, sessionId, seq, pid } = await runningSleep();
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await until(() => gw.audit.some((e) => e.type === 'session.end' && e.session_id === sessionId));
    const outcome = outcomeOf(sessionId, seq);
    expect(outcome).toMatchObject({ status: 'unknown', sqlstate: null, rows_returned: null });
    const order = gw.audit.filter((e) => 'session_id' in e && e.session_id === sessionId).map((e) => e.type);
    expect(order.slice(-2)).toEqual(['statement.outcome', 'session.end']);
    // Nothing was left running: end the sleep the client abandoned.
    const direct = gw.direct();
    await direct.connect();
    await direct.query('select pg_terminate_backend($1)', [pid]);
    await direct.end();
  });

  it('a masked result cut short: the outcome says what was masked in the rows relayed', async () => {
    const sessionsBefore = new Set(
      gw.audit.filter((e) => e.type === 'session.start').map((e) => e.session_id),
    );
    const c = await RawClient.login(gw.port, 'token-dev');
    c.socket.write(encodeQuery(`select u.email from ${gw.schema}.users u, generate_series(1, 2000000) g`));
    await c.until(BackendCode.DataRow);
    c.socket.destroy();
    const start = gw.audit.find((e) => e.type === 'session.start' && !sessionsBefore.has(e.session_id));
    const sessionId = start && 'session_id' in start ? start.session_id : '';
    await until(() => gw.audit.some((e) => e.type === 'session.end' && e.session_id === sessionId));
    const outcome = gw.audit.find(
      (e): e is Extract<AuditEvent, { type: 'statement.outcome' }> =>
        e.type === 'statement.outcome' && e.session_id === sessionId,
    );
    expect(outcome).toMatchObject({ status: 'unknown' });
    expect(outcome?.masked).toEqual([
      expect.objectContaining({ column: 'email', values: expect.any(Number) }),
    ]);
    expect(outcome!.masked[0]!.values).toBeGreaterThan(0);
  });

  it('the upstream session is terminated mid-statement: the outcome is recorded too', async () => {
    const { client, sessionId, seq, pid } = await runningSleep();
    const direct = gw.direct();
    await direct.connect();
    await direct.query('select pg_terminate_backend($1)', [pid]);
    await direct.end();
    await until(() => gw.audit.some((e) => e.type === 'session.end' && e.session_id === sessionId));
    // The upstream said why before it closed: FATAL 57P01 (admin_shutdown).
    expect(outcomeOf(sessionId, seq)).toMatchObject({ status: 'unknown', sqlstate: '57P01' });
    await client.end().catch(() => undefined);
  });
});
