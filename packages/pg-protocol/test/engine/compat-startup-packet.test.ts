import { Client } from 'pg';
import { encodeStartupMessage, encodeTerminate } from '../../src/codec';
import { startTestGateway, type TestGateway } from './test-gateway';
import { RawClient } from './wire';

/**
 * Found by node-postgres's quick-disconnect test (a Client ended before its
 * socket connected writes Terminate first, then the StartupMessage): a first
 * packet whose length is impossible is closed without an answer, as
 * PostgreSQL does (COMMERROR: the peer may not speak the protocol at all).
 * The gateway used to answer with a FATAL ErrorResponse, which node-postgres
 * surfaces as an error event where a direct connection gives none.
 */
describe('compat: unreadable startup packets', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  /** Everything the server sends before it closes, for bytes no framing would find. */
  async function answerTo(port: number, bytes: Buffer): Promise<Buffer> {
    const c = await RawClient.connect(port);
    const received: Buffer[] = [];
    c.socket.on('data', (chunk: Buffer) => received.push(chunk));
    c.socket.write(bytes);
    await c.closedNow();
    return Buffer.concat(received);
  }

  const terminateThenStartup = Buffer.concat([
    encodeTerminate(),
    encodeStartupMessage({ user: 'alice', database: 'local' }),
  ]);

  it('closes a Terminate-then-StartupMessage connection without a message, as PostgreSQL does', async () => {
    expect((await answerTo(5432, terminateThenStartup)).length).toBe(0);
    expect((await answerTo(gw.port, terminateThenStartup)).length).toBe(0);
  });

  it('closes a startup packet longer than PostgreSQL accepts without a message', async () => {
    const huge = Buffer.alloc(8);
    huge.writeInt32BE(100_000, 0);
    huge.writeInt32BE(196608, 4);
    expect((await answerTo(5432, huge)).length).toBe(0);
    expect((await answerTo(gw.port, huge)).length).toBe(0);
  });

  it('still answers a well-framed startup packet with an unsupported version with FATAL 08P01', async () => {
    const c = await RawClient.connect(gw.port);
    c.socket.write(Buffer.from([0, 0, 0, 8, 0, 9, 0, 0]));
    await c.closedNow();
    expect(c.errors()).toEqual(['08P01']);
  });

  it('gives node-postgres a client ended before it connected what a direct connection gives it', async () => {
    /** What the client saw by the time end() resolved: events and how connect() settled. */
    async function quickDisconnect(port: number, user: string, database: string): Promise<string[]> {
      const client = new Client({ host: '127.0.0.1', port, user, password: 'token-alice', database });
      const seen: string[] = [];
      client.on('error', (err) => seen.push(`error event: ${err.message}`));
      client.connect().then(
        () => seen.push('connected'),
        (err: Error) => seen.push(`connect rejected: ${err.message}`),
      );
      await client.end();
      return seen;
    }
    const direct = await quickDisconnect(5432, 'postgres', 'test');
    expect(await quickDisconnect(gw.port, 'alice', 'local')).toEqual(direct);
  });
});
