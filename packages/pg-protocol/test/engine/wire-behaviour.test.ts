import { Client } from 'pg';
import {
  BackendCode,
  encodeBind,
  encodeCancelRequest,
  encodeExecute,
  encodeParse,
  encodeQuery,
  encodeSync,
  encodeStartupMessage,
} from '../../src/codec';
import { startTestGateway, type TestGateway } from './test-gateway';
import { codes, RawClient } from './wire';

describe('PostgreSQL engine wire behaviour', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ maxMessageSize: 1024 * 1024 });
  });
  afterAll(() => gw.stop());

  it('keeps the order of pipelined extended-protocol batches sent in one write', async () => {
    const c = await RawClient.login(gw.port);
    const batch: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      batch.push(
        encodeParse('', `select ${i}::int as n`, []),
        encodeBind('', '', [], [], []),
        encodeExecute('', 0),
        encodeSync(),
      );
    }
    c.socket.write(Buffer.concat(batch));
    const messages = await c.until(BackendCode.ReadyForQuery, 20);
    expect(codes(messages)).toBe('12DCZ'.repeat(20));
    const values = messages
      .filter((m) => m.code === BackendCode.DataRow)
      .map((m) => m.payload.subarray(6).toString());
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    c.socket.end();
  });

  it('discards up to Sync after an error, as the server does', async () => {
    const c = await RawClient.login(gw.port);
    c.socket.write(
      Buffer.concat([
        encodeParse('', 'select 1/0', []),
        encodeBind('', '', [], [], []),
        encodeExecute('', 0),
        encodeParse('', 'select 42', []),
        encodeBind('', '', [], [], []),
        encodeExecute('', 0),
        encodeSync(),
        encodeQuery('select 7'),
      ]),
    );
    const messages = await c.until(BackendCode.ReadyForQuery, 2);
    // 1/0 is folded at Bind: ParseComplete, the error, then nothing until Sync's ReadyForQuery.
    expect(c.errors()).toEqual(['22012']);
    expect(codes(messages)).toBe('1EZTDCZ');
    c.socket.end();
  });

  it('cancels a running pg_sleep through gateway-issued keys, and only that query', async () => {
    const victim = new Client({
      host: '127.0.0.1',
      port: gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    const bystander = new Client({
      host: '127.0.0.1',
      port: gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    await victim.connect();
    await bystander.connect();
    try {
      const keys = victim as unknown as { processID: number; secretKey: number };
      const upstreamPid = (await victim.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      expect(keys.processID).not.toBe(upstreamPid);
      const sleeping = victim.query('select pg_sleep(30)');
      const bystanderSleep = bystander.query('select pg_sleep(0.5) as done');
      await new Promise((r) => setTimeout(r, 200));
      // A wrong secret cancels nothing.
      await sendCancel(gw.port, keys.processID, keys.secretKey + 1);
      await sendCancel(gw.port, keys.processID, keys.secretKey);
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
      expect((await bystanderSleep).rows[0].done).toBe('');
      expect((await victim.query('select 1 as ok')).rows[0].ok).toBe(1);
    } finally {
      await victim.end();
      await bystander.end();
    }
  });

  it('answers a malformed message with 08P01 and closes only that session', async () => {
    const other = await RawClient.login(gw.port);
    const bad = await RawClient.login(gw.port);
    // Declared length of 3 is below the minimum of 4.
    bad.socket.write(Buffer.from([0x51, 0, 0, 0, 3]));
    await bad.closedNow();
    expect(bad.errors()).toEqual(['08P01']);
    const huge = await RawClient.login(gw.port);
    const header = Buffer.alloc(5);
    header[0] = 0x51;
    header.writeInt32BE(64 * 1024 * 1024, 1);
    huge.socket.write(header);
    await huge.closedNow();
    expect(huge.errors()).toEqual(['08P01']);
    other.socket.write(encodeQuery('select 1'));
    await other.until(BackendCode.ReadyForQuery);
    expect(other.errors()).toEqual([]);
    other.socket.end();
  });

  it('closes a connection whose startup packet is garbage', async () => {
    const c = await RawClient.connect(gw.port);
    c.socket.write(Buffer.from([0, 0, 0, 8, 1, 2, 3, 4]));
    await c.closedNow();
    expect(c.errors()).toEqual(['08P01']);
  });

  it('refuses replication connections', async () => {
    const c = await RawClient.connect(gw.port);
    c.socket.write(encodeStartupMessage({ user: 'alice', database: 'local', replication: 'database' }));
    await c.closedNow();
    expect(c.errors()).toEqual(['28000']);
  });

  it('ends a session from the registry with 57P01', async () => {
    const c = await RawClient.login(gw.port);
    const session = gw.sessions.list().find((s) => s.clientAddress.endsWith(`:${c.socket.localPort}`));
    expect(gw.sessions.terminate(session!.id, 'ended by an operator')).toBe(true);
    await c.closedNow();
    expect(c.errors()).toEqual(['57P01']);
  });
});

describe('PostgreSQL engine refusals', () => {
  it('names the target when its upstream is down (08001)', async () => {
    const gw = await startTestGateway({ upstream: { port: 1 } });
    try {
      const c = new Client({
        host: '127.0.0.1',
        port: gw.port,
        user: 'alice',
        password: 'token-alice',
        database: 'local',
      });
      const err = await c.connect().then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('08001');
      expect(err?.message).toMatch(/target "local"/);
    } finally {
      await gw.stop();
    }
  });

  it('refuses a cleartext credential without TLS when loopback plaintext is off', async () => {
    const gw = await startTestGateway({ allowPlaintextLoopback: false });
    try {
      const c = new Client({
        host: '127.0.0.1',
        port: gw.port,
        user: 'alice',
        password: 'token-alice',
        database: 'local',
      });
      await expect(c.connect()).rejects.toMatchObject({
        code: '28000',
        message: expect.stringMatching(/TLS/),
      });
    } finally {
      await gw.stop();
    }
  });
});

async function sendCancel(port: number, processId: number, secret: number): Promise<void> {
  const c = await RawClient.connect(port);
  const key = Buffer.alloc(4);
  key.writeInt32BE(secret | 0);
  c.socket.write(encodeCancelRequest(processId, key));
  await c.closedNow();
}
