import type { Client } from 'pg';
import { BackendCode, decodeDataRow, encodeQuery } from '../../src/codec';
import { startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { RawClient } from './wire';

/**
 * A SQL-level prepared statement or cursor is masked with the lineage of the
 * definition that is in force when its EXECUTE or FETCH runs: one redefined
 * later in the same string, in a string sent before the first one's results
 * came back, or by a PREPARE or DECLARE that failed, does not lend its
 * lineage to the rows of the definition PostgreSQL actually ran.
 */
describe('masking: PREPARE and DECLARE redefined around EXECUTE and FETCH', () => {
  let gw: MaskingGateway;
  let S: string;
  let dev: Client;

  beforeAll(async () => {
    gw = await startMaskingGateway();
    S = gw.schema;
  });
  afterAll(() => gw.stop());
  beforeEach(async () => {
    dev = gw.client();
    await dev.connect();
  });
  afterEach(() => dev.end());

  /** Every result's rows of one simple Query (node-postgres answers an array for several statements). */
  async function results(sql: string): Promise<unknown[][]> {
    const r = (await dev.query(sql)) as unknown as { rows: unknown[] }[];
    return r.map((x) => x.rows);
  }

  it('an EXECUTE before a later DEALLOCATE and PREPARE of its name in the same string is masked', async () => {
    expect(
      await results(
        `prepare q as select upper(reference) as r from ${S}.orders; execute q; deallocate q; ` +
          `prepare q as select 'x'::text as r; execute q; deallocate q`,
      ),
    ).toEqual([[], [{ r: '****' }], [], [], [{ r: 'x' }], []]);
    // And the other way round: the later, masked definition masks the later EXECUTE only.
    expect(
      await results(
        `prepare q as select 'ORD-free'::text as r; execute q; deallocate q; ` +
          `prepare q as select upper(reference) as r from ${S}.orders; execute q; deallocate q`,
      ),
    ).toEqual([[], [{ r: 'ORD-free' }], [], [], [{ r: '****' }], []]);
  });

  it('a FETCH before a later CLOSE and DECLARE of its name in the same string is masked', async () => {
    expect(
      await results(
        `begin; declare c cursor for select upper(reference) as r from ${S}.orders; fetch 1 from c; close c; ` +
          `declare c cursor for select 'x'::text as r; fetch 1 from c; commit`,
      ),
    ).toEqual([[], [], [{ r: '****' }], [], [], [{ r: 'x' }], []]);
  });

  it('a PREPARE that failed does not replace the lineage of the statement the session still has', async () => {
    await dev.query(`prepare q as select upper(reference) as r from ${S}.orders`);
    await expect(dev.query(`prepare q as select 'x'::text as r`)).rejects.toThrow(/already exists/);
    expect((await dev.query('execute q')).rows).toEqual([{ r: '****' }]);
    // Nor does one after an error in the same string (PostgreSQL never ran it).
    await expect(dev.query(`select 1/0; deallocate q; prepare q as select 'x'::text as r`)).rejects.toThrow(
      /division by zero/,
    );
    expect((await dev.query('execute q')).rows).toEqual([{ r: '****' }]);
  });

  it('a DECLARE that failed does not replace the lineage of the cursor still open', async () => {
    await dev.query('begin');
    try {
      await dev.query(`declare c cursor for select upper(reference) as r from ${S}.orders`);
      await dev.query('savepoint s');
      await expect(dev.query(`declare c cursor for select 'x'::text as r`)).rejects.toThrow(/already exists/);
      await dev.query('rollback to savepoint s');
      expect((await dev.query('fetch 1 from c')).rows).toEqual([{ r: '****' }]);
    } finally {
      await dev.query('rollback');
    }
  });

  it('a string sent before the previous one answered does not redefine what the previous one executes', async () => {
    const c = await RawClient.login(gw.port, 'token-dev');
    try {
      c.socket.write(
        Buffer.concat([
          encodeQuery(`prepare q as select upper(reference) as r from ${S}.orders; execute q`),
          encodeQuery(`deallocate q; prepare q as select 'x'::text as r; execute q`),
        ]),
      );
      const messages = await c.until(BackendCode.ReadyForQuery, 2);
      const rows = messages
        .filter((m) => m.code === BackendCode.DataRow)
        .map((m) => decodeDataRow(m.payload).map((v) => (v === null ? null : Buffer.from(v).toString())));
      expect(rows).toEqual([['****'], ['x']]);
    } finally {
      c.socket.destroy();
    }
  });
});
