import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import {
  BackendCode,
  decodeCommandComplete,
  decodeErrorFields,
  encodePasswordMessage,
  encodeQuery,
  encodeStartupMessage,
  MessageReader,
} from '../../src/codec';
import { startTestGateway, type TestGateway } from './test-gateway';

/**
 * What the upstream sends reaches the client byte for byte however the
 * socket reads cut it, and a client that stops reading stops the gateway
 * reading the upstream: the server then waits to write (ClientWrite), and
 * the result never piles up in the gateway's memory.
 */
describe('PostgreSQL engine: upstream data flow', () => {
  let gw: TestGateway;
  let direct: Client;
  beforeAll(async () => {
    gw = await startTestGateway();
    direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await direct.connect();
  });
  afterAll(async () => {
    await direct.end();
    await gw.stop();
  });

  it('relays rows far larger than one socket read, byte for byte', async () => {
    const c = await StreamingClient.login(gw.port);
    try {
      // 20 rows of 1.28 MB each: every one spans many reads of the upstream socket.
      const rows: Buffer[] = [];
      c.onRow = (payload) => rows.push(Buffer.from(payload));
      const tag = await c.query('select g, repeat(md5(g::text), 40000) as v from generate_series(1, 20) g');
      expect(tag).toBe('SELECT 20');
      expect(rows).toHaveLength(20);
      rows.forEach((payload, i) => {
        const [g, v] = columns(payload);
        expect(g).toBe(String(i + 1));
        expect(
          v ===
            createHash('md5')
              .update(String(i + 1))
              .digest('hex')
              .repeat(40000),
        ).toBe(true);
      });
    } finally {
      c.close();
    }
  });

  it('stops reading the upstream while the client does not read, then relays every row intact', async () => {
    const c = await StreamingClient.login(gw.port);
    const marker = `gh_flow_${process.pid}_${Date.now()}`;
    const total = 500_000;
    const filler = 'x'.repeat(200);
    let count = 0;
    let sum = 0;
    let intact = true;
    c.onRow = (payload) => {
      const [g, v] = columns(payload);
      count++;
      sum += Number(g);
      if (v !== filler) intact = false;
    };
    try {
      // About 110 MB of rows: far more than the socket buffers on both sides can hold.
      const done = c.query(
        `select g, repeat('x', 200) as v /* ${marker} */ from generate_series(1, ${total}) g`,
      );
      c.socket.pause();
      const before = process.memoryUsage().arrayBuffers;
      const waiting = await waitFor(async () => {
        const r = await direct.query(
          `select wait_event from pg_stat_activity where query like '%${marker}%' and pid <> pg_backend_pid()`,
        );
        return r.rows[0]?.wait_event === 'ClientWrite' ? true : null;
      });
      expect(waiting).toBe(true);
      // Still waiting a moment later: the gateway is not draining the upstream into memory.
      await new Promise((r) => setTimeout(r, 500));
      const still = await direct.query(
        `select state, wait_event from pg_stat_activity where query like '%${marker}%' and pid <> pg_backend_pid()`,
      );
      expect(still.rows[0]).toEqual({ state: 'active', wait_event: 'ClientWrite' });
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(48 * 1024 * 1024);
      c.socket.resume();
      expect(await done).toBe(`SELECT ${total}`);
      expect(count).toBe(total);
      expect(sum).toBe((total * (total + 1)) / 2);
      expect(intact).toBe(true);
    } finally {
      c.close();
    }
  });
});

/** The text columns of a DataRow payload. */
function columns(payload: Buffer): string[] {
  const out: string[] = [];
  let at = 2;
  for (let i = payload.readInt16BE(0); i > 0; i--) {
    const length = payload.readInt32BE(at);
    at += 4;
    out.push(payload.toString('utf8', at, at + length));
    at += length;
  }
  return out;
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** A client that looks at each row as it arrives and keeps none of them, so it can read results of any size. */
class StreamingClient {
  onRow: (payload: Buffer) => void = () => undefined;
  readonly #reader = new MessageReader({ maxMessageSize: 16 * 1024 * 1024 });
  #waiter: { code: number; resolve: (payload: Buffer) => void; reject: (err: Error) => void } | null = null;
  #tag: string | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      while (this.#reader.next()) this.#message(this.#reader.code, this.#reader.payload());
    });
    socket.on('close', () => this.#waiter?.reject(new Error('connection closed')));
    socket.on('error', () => undefined);
  }

  static async login(port: number): Promise<StreamingClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new StreamingClient(socket);
    socket.write(encodeStartupMessage({ user: 'alice', database: 'local' }));
    await c.#next(BackendCode.Authentication);
    socket.write(encodePasswordMessage('token-alice'));
    await c.#next(BackendCode.ReadyForQuery);
    return c;
  }

  /** Runs one simple query; resolves with its command tag once ReadyForQuery arrives. */
  async query(sql: string): Promise<string> {
    this.#tag = null;
    const ready = this.#next(BackendCode.ReadyForQuery);
    this.socket.write(encodeQuery(sql));
    await ready;
    if (this.#tag === null) throw new Error('no CommandComplete before ReadyForQuery');
    return this.#tag;
  }

  close(): void {
    this.socket.destroy();
  }

  #next(code: number): Promise<Buffer> {
    return new Promise((resolve, reject) => (this.#waiter = { code, resolve, reject }));
  }

  #message(code: number, payload: Buffer): void {
    if (code === BackendCode.DataRow) return this.onRow(payload);
    if (code === BackendCode.CommandComplete) this.#tag = decodeCommandComplete(payload);
    if (code === BackendCode.ErrorResponse) {
      const err = decodeErrorFields(payload);
      this.#waiter?.reject(new Error(`${err.code}: ${err.message}`));
      this.#waiter = null;
      return;
    }
    if (this.#waiter?.code === code) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter.resolve(Buffer.from(payload));
    }
  }
}
