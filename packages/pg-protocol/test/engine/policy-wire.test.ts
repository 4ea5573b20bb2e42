import { Client } from 'pg';
import {
  BackendCode,
  decodeErrorFields,
  encodeBind,
  encodeExecute,
  encodeParse,
  encodeQuery,
  encodeStartupMessage,
  encodeSync,
} from '../../src/codec';
import { startPolicyGateway, type PolicyGateway } from './policy-fixture';
import { codes, RawClient } from './wire';

/**
 * Pipelined extended-protocol batches with denials, written in one write:
 * after a denied Parse the rest of the batch is skipped up to Sync, as after
 * a server error, and the next batch runs. The same batches sent straight to
 * PostgreSQL with a server error in the denial's place are the oracle.
 */
describe('policy enforcement on pipelined extended-protocol batches', () => {
  let p: PolicyGateway;
  let open: string;

  beforeAll(async () => {
    p = await startPolicyGateway('wire');
    ({ open } = p.tables);
  });
  afterAll(() => p.stop());
  beforeEach(() => p.reset());

  const statement = (sql: string): Buffer[] => [
    encodeParse('', sql, []),
    encodeBind('', '', [], [], []),
    encodeExecute('', 0),
  ];
  const dataRows = (messages: { code: number; payload: Buffer }[]) =>
    messages.filter((m) => m.code === BackendCode.DataRow).map((m) => m.payload.subarray(6).toString());
  const errorsOf = (messages: { code: number; payload: Buffer }[]) =>
    messages.filter((m) => m.code === BackendCode.ErrorResponse).map((m) => decodeErrorFields(m.payload));

  /** Sends the batches in one write through a raw session and returns every message up to the last ReadyForQuery. */
  async function send(port: number, batches: Buffer[][], direct = false) {
    const c = direct ? await RawClient.connect(port) : await RawClient.login(port);
    if (direct) {
      c.socket.write(encodeStartupMessage({ user: 'postgres', database: 'test' }));
      await c.until(BackendCode.ReadyForQuery);
      c.take();
    }
    c.socket.write(Buffer.concat(batches.flatMap((b) => [...b, encodeSync()])));
    // One ReadyForQuery per Sync, and one more per simple Query ('Q') inside a batch.
    const queries = batches.flat().filter((m) => m[0] === 0x51).length;
    const messages = await c.until(BackendCode.ReadyForQuery, batches.length + queries);
    c.socket.end();
    return messages;
  }

  it('a denied Parse skips the rest of its batch up to Sync; the next batch runs', async () => {
    const messages = await send(p.gw.port, [
      [...statement(`delete from ${open}`), ...statement(`insert into ${open} values (100)`)],
      [...statement('select 7')],
    ]);
    expect(codes(messages)).toBe('EZ12DCZ');
    expect(errorsOf(messages).map((e) => [e.code, e.message])).toEqual([
      ['42501', expect.stringMatching(/^gatehouse: DELETE on .* \(rule no-guardrails\)$/)],
    ]);
    expect(dataRows(messages)).toEqual(['7']);
    expect(await p.ids(open)).toEqual([]);
  });

  it('an allowed statement before the denial in the same batch is rolled back with it, as the server does', async () => {
    const through = await send(p.gw.port, [
      [...statement(`insert into ${open} values (101)`), ...statement(`select * from ${p.tables.secret}`)],
      [...statement(`insert into ${open} values (102)`)],
    ]);
    // The same batches straight to PostgreSQL, with a server error at Parse where the denial was.
    const direct = await send(
      5432,
      [
        [
          ...statement(`insert into ${open} values (201)`),
          ...statement('select * from gh_no_such_table_here'),
        ],
        [...statement(`insert into ${open} values (202)`)],
      ],
      true,
    );
    // Parse and Bind complete, the insert completes, then the error; the next batch runs whole.
    expect(codes(direct)).toBe('12CEZ12CZ');
    expect(codes(through)).toBe('12CEZ12CZ');
    expect(errorsOf(through)[0]).toMatchObject({
      code: '42501',
      message: 'gatehouse: the secrets table is off limits (rule secrets)',
    });
    // One implicit transaction per batch: the first batch's insert is gone in both.
    expect(await p.ids(open)).toEqual([102, 202]);
  });

  it('keeps the order of many pipelined batches that mix denials and allowed statements', async () => {
    const batches: Buffer[][] = [];
    for (let i = 0; i < 10; i++) {
      batches.push(
        i % 3 === 0
          ? statement(`delete from ${open}`)
          : statement(`insert into ${open} values (${i}) returning id`),
      );
    }
    const messages = await send(p.gw.port, batches);
    expect(codes(messages)).toBe(batches.map((_, i) => (i % 3 === 0 ? 'EZ' : '12DCZ')).join(''));
    expect(dataRows(messages)).toEqual(['1', '2', '4', '5', '7', '8']);
    expect(await p.ids(open)).toEqual([1, 2, 4, 5, 7, 8]);
  });

  it('a denial inside an explicit transaction leaves it failed until ROLLBACK, across batches', async () => {
    const messages = await send(p.gw.port, [
      [encodeQuery('begin')],
      [...statement(`insert into ${open} values (1)`)],
      [...statement(`truncate ${open}`)],
      [...statement(`insert into ${open} values (2)`)],
      [encodeQuery('commit')],
    ]);
    // BEGIN; the insert; the denial; the next statement refused by the server (25P02); COMMIT reports ROLLBACK.
    expect(errorsOf(messages).map((e) => e.code)).toEqual(['42501', '25P02']);
    const tags = messages
      .filter((m) => m.code === BackendCode.CommandComplete)
      .map((m) => m.payload.toString('latin1').replace(/\0$/, ''));
    expect(tags).toEqual(['BEGIN', 'INSERT 0 1', 'ROLLBACK']);
    expect(await p.ids(open)).toEqual([]);

    // A fresh session is unaffected.
    const c = new Client({
      host: '127.0.0.1',
      port: p.gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    await c.connect();
    try {
      expect((await c.query(`select count(*)::int as n from ${open}`)).rows).toEqual([{ n: 0 }]);
    } finally {
      await c.end();
    }
  });
});
