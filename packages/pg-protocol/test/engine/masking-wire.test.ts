import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client, Notification } from 'pg';
import {
  BackendCode,
  decodeDataRow,
  decodeErrorFields,
  encodeBind,
  encodeDescribe,
  encodeExecute,
  encodeParse,
  encodeSync,
} from '../../src/codec';
import { FIXTURE, startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { binaryText, extendedQuery, simpleQuery } from './masking-wire-client';
import { RawClient } from './wire';

const run = promisify(execFile);

describe('masking on the wire: COPY, cursors, RETURNING, errors, side channels, strict mode', () => {
  let gw: MaskingGateway;
  let dev: Client;
  let S: string;

  beforeAll(async () => {
    gw = await startMaskingGateway();
    S = gw.schema;
    dev = gw.client();
    await dev.connect();
    const setup = gw.direct();
    await setup.connect();
    await setup.query(
      `create function ${S}.shout(t text) returns int language plpgsql as $$ begin raise notice 'value: %', t; return 1; end $$`,
    );
    await setup.end();
  });
  afterAll(async () => {
    await dev.end();
    await gw.stop();
  });

  function psql(sql: string, token = 'token-dev') {
    const conn = `host=127.0.0.1 port=${gw.port} dbname=local user=alice sslmode=disable`;
    return run('psql', [conn, '-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], {
      env: { ...process.env, PGPASSWORD: token, PGCONNECT_TIMEOUT: '5' },
    });
  }

  describe('COPY ... TO STDOUT', () => {
    it('masks text format per field (escapes and the NULL marker kept)', async () => {
      const { stdout } = await psql(
        `copy (select id, email, ssn, notes, null::text as nothing from ${S}.users order by id) to stdout`,
      );
      expect(stdout.trim().split('\n')).toEqual([
        `1\tj***@example.com\t***-**-8845\tcall j***@example.com, card **** **** **** 1111, thanks\t\\N`,
        `2\tb***@example.org\t***-**-5678\tnothing here\t\\N`,
      ]);
    });

    it('masks csv with a header, quoting what needs quotes', async () => {
      const { stdout } = await psql(
        `copy ${S}.users (id, name, phone, dob) to stdout with (format csv, header)`,
      );
      expect(stdout.trim().split('\n')).toEqual([
        'id,name,phone,dob',
        '1,J***,+1 (***) ***-**71,1985-01-01',
        '2,B***,+1 (***) ***-**88,1990-01-01',
      ]);
      const quoted = await psql(
        `copy (select email || ',x' as e, 'a"b' as q from ${S}.users where id = 1) to stdout with csv`,
      );
      expect(quoted.stdout.trim()).toBe('"j***@example.com,x","a""b"');
    });

    it('masks binary COPY in each column type', async () => {
      const r = await simpleQuery(
        gw.port,
        `copy (select id, email, dob from ${S}.users order by id) to stdout with binary`,
      );
      expect(r.errors).toEqual([]);
      const data = Buffer.concat(r.copy);
      // Signature, flags, extension length; then per tuple: count, (length, bytes) per field.
      let at = 19;
      const tuples: string[][] = [];
      for (;;) {
        const n = data.readInt16BE(at);
        at += 2;
        if (n === -1) break;
        const fields: string[] = [];
        for (const type of [23, 25, 1082]) {
          const len = data.readInt32BE(at);
          at += 4;
          fields.push(binaryText(type, data.subarray(at, at + len)));
          at += len;
        }
        tuples.push(fields);
      }
      expect(tuples).toEqual([
        ['1', 'j***@example.com', '1985-01-01'],
        ['2', 'b***@example.org', '1990-01-01'],
      ]);
    });

    it('leaves COPY of unclassified columns byte for byte', async () => {
      const { stdout } = await psql(
        `copy (select p.order_id, u.user_uuid from ${S}.payments p, ${S}.users u where u.id = 1) to stdout`,
      );
      expect(stdout.trim()).toBe(`${FIXTURE.orderId}\t${FIXTURE.uuid}`);
    });
  });

  describe('cursors and prepared statements', () => {
    it('masks FETCH with the lineage of its DECLARE', async () => {
      await dev.query('begin');
      try {
        await dev.query(
          `declare c cursor for select lower(email) as l, substr(ssn, 1, 3) as p, id from ${S}.users order by id`,
        );
        expect((await dev.query('fetch 1 from c')).rows).toEqual([
          { l: 'j***@example.com', p: '***', id: 1 },
        ]);
        expect((await dev.query('fetch all from c')).rows).toEqual([
          { l: 'b***@example.org', p: '***', id: 2 },
        ]);
      } finally {
        await dev.query('rollback');
      }
    });

    it('masks a binary cursor in binary', async () => {
      const r = await simpleQuery(
        gw.port,
        `begin; declare b binary cursor for select ssn, id from ${S}.users order by id; fetch all from b; commit`,
      );
      expect(r.errors).toEqual([]);
      expect(r.fields.map((f) => f.format)).toEqual([1, 1]);
      expect(
        r.rows.map((row) => [binaryText(25, row[0] as Buffer), binaryText(23, row[1] as Buffer)]),
      ).toEqual([
        ['***-**-8845', '1'],
        ['***-**-5678', '2'],
      ]);
    });

    it('masks SQL-level EXECUTE with the lineage of its PREPARE', async () => {
      await dev.query(`prepare p1 as select upper(email) as e from ${S}.users where id = $1`);
      try {
        expect((await dev.query('execute p1(1)')).rows).toEqual([{ e: 'J***@EXAMPLE.COM' }]);
      } finally {
        await dev.query('deallocate p1');
      }
    });

    it('masks a Bind for binary results of a statement described earlier (Describe S, then Bind/Execute)', async () => {
      const c = await RawClient.login(gw.port, 'token-dev');
      try {
        c.socket.write(
          Buffer.concat([
            encodeParse('s1', `select id, email, user_uuid from ${S}.users where id = 1`, []),
            encodeDescribe('S', 's1'),
            encodeSync(),
          ]),
        );
        await c.until(BackendCode.ReadyForQuery);
        c.take();
        c.socket.write(
          Buffer.concat([
            encodeBind({
              portal: '',
              statement: 's1',
              parameterFormats: [],
              parameters: [],
              resultFormats: [1],
            }),
            encodeExecute('', 0),
            encodeSync(),
          ]),
        );
        const messages = await c.until(BackendCode.ReadyForQuery);
        const row = decodeDataRow(messages.find((m) => m.code === BackendCode.DataRow)!.payload);
        expect([binaryText(23, row[0]!), binaryText(25, row[1]!), binaryText(2950, row[2]!)]).toEqual([
          '1',
          'j***@example.com',
          FIXTURE.uuid,
        ]);
      } finally {
        c.socket.destroy();
      }
    });

    it('masks an Execute no Describe came before (the catalog describes it)', async () => {
      const r = await extendedQuery(gw.port, `select ssn, dob from ${S}.users where id = 1`, [1, 1], {
        describe: false,
      });
      expect(r.errors).toEqual([]);
      expect([binaryText(25, r.rows[0]![0]!), binaryText(1082, r.rows[0]![1]!)]).toEqual([
        '***-**-8845',
        '1985-01-01',
      ]);
    });
  });

  describe('binary results the gateway cannot rewrite', () => {
    const tsv = () => `select to_tsvector('simple', notes) as v from ${S}.users where id = 1`;

    it('denies the Bind when the statement was described first; the session goes on', async () => {
      const c = await RawClient.login(gw.port, 'token-dev');
      try {
        c.socket.write(
          Buffer.concat([encodeParse('t1', tsv(), []), encodeDescribe('S', 't1'), encodeSync()]),
        );
        await c.until(BackendCode.ReadyForQuery);
        c.take();
        c.socket.write(
          Buffer.concat([
            encodeBind({
              portal: '',
              statement: 't1',
              parameterFormats: [],
              parameters: [],
              resultFormats: [1],
            }),
            encodeExecute('', 0),
            encodeSync(),
          ]),
        );
        const messages = await c.until(BackendCode.ReadyForQuery);
        const error = decodeErrorFields(messages.find((m) => m.code === BackendCode.ErrorResponse)!.payload);
        expect(error.code).toBe('42501');
        expect(error.message).toContain('request it in text format');
        expect(messages.some((m) => m.code === BackendCode.DataRow)).toBe(false);
        c.take();
        // Still usable, and text format works.
        c.socket.write(
          Buffer.concat([
            encodeBind({
              portal: '',
              statement: 't1',
              parameterFormats: [],
              parameters: [],
              resultFormats: [0],
            }),
            encodeExecute('', 0),
            encodeSync(),
          ]),
        );
        const again = await c.until(BackendCode.ReadyForQuery);
        expect(again.some((m) => m.code === BackendCode.DataRow)).toBe(true);
        expect(
          decodeDataRow(again.find((m) => m.code === BackendCode.DataRow)!.payload)[0]!.toString(),
        ).not.toContain('jane.doe');
      } finally {
        c.socket.destroy();
      }
    });

    it('ends the session rather than pass the rows when it learns too late', async () => {
      const r = await extendedQuery(gw.port, tsv(), [1]);
      expect(r.errors.map((e) => e.code)).toContain('42501');
      expect(r.rows).toEqual([]);
    });
  });

  it('denies a masked value bound for writing (extended protocol), not a real one', async () => {
    await expect(
      dev.query(`update ${S}.users set ssn = $1 where id = 2`, ['***-**-5678']),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('(rule masking-write-back)'),
    });
    await dev.query(`update ${S}.orders set note = $1 where id = 1`, ['gift wrap']);
    expect((await dev.query(`select ssn from ${S}.users where id = 2`)).rows).toEqual([
      { ssn: '***-**-5678' },
    ]);
  });

  it('masks FETCH and EXECUTE sent through the extended protocol', async () => {
    await dev.query('begin');
    try {
      await dev.query({
        name: 'decl',
        text: `declare x cursor for select upper(name) as e from ${S}.users order by id`,
      });
      // A name has no value detector: only the cursor's lineage (users.name) masks it.
      expect((await dev.query({ name: 'fetch1', text: 'fetch 1 from x' })).rows).toEqual([{ e: 'J***' }]);
    } finally {
      await dev.query('rollback');
    }
    await dev.query(`prepare p2 as select lower(name) as s from ${S}.users where id = 1`);
    try {
      expect((await dev.query({ name: 'exec1', text: 'execute p2' })).rows).toEqual([{ s: 'j***' }]);
    } finally {
      await dev.query('deallocate p2');
    }
  });

  it('masks RETURNING', async () => {
    const r = await dev.query(
      `insert into ${S}.users (email, ssn, name, dob) values ($1, $2, $3, '1979-07-01') returning id, email, ssn, lower(name) as n, dob`,
      ['x.young@example.com', '321-54-9876', 'Xavier Young'],
    );
    expect(r.rows[0]).toMatchObject({ email: 'x***@example.com', ssn: '***-**-9876', n: 'x***' });
    expect((r.rows[0].dob as Date).getMonth()).toBe(0);
    const d = await dev.query(`delete from ${S}.users where id = $1 returning *`, [r.rows[0].id]);
    expect(d.rows[0]).toMatchObject({ email: 'x***@example.com', ssn: '***-**-9876', name: 'X***' });
  });

  describe('errors and notices that echo values', () => {
    it('redacts the value a failed cast quotes', async () => {
      await expect(dev.query(`select ssn::int from ${S}.users where id = 1`)).rejects.toMatchObject({
        code: '22P02',
        message: 'invalid input syntax for type integer: "***"',
      });
    });

    it('redacts key values in a constraint violation detail', async () => {
      const setup = gw.direct();
      await setup.connect();
      await setup.query(`create unique index on ${S}.users (email)`);
      await setup.end();
      await expect(
        dev.query(`update ${S}.users set email = (select email from ${S}.users where id = 1) where id = 2`),
      ).rejects.toMatchObject({ code: '23505', detail: 'Key (email)=(***) already exists.' });
    });

    it('scans notices for values', async () => {
      const notices: string[] = [];
      const onNotice = (n: { message?: string }): void => void notices.push(n.message ?? '');
      dev.on('notice', onNotice);
      try {
        await dev.query(`select ${S}.shout(ssn || ' ' || email) from ${S}.users where id = 1`);
      } finally {
        dev.off('notice', onNotice);
      }
      expect(notices).toEqual(['value: ***-**-8845 j***@example.com']);
    });

    it('scans notification payloads a masked listener receives', async () => {
      const dba = gw.client('token-dba');
      await dba.connect();
      try {
        await dev.query('listen gh_masking');
        const got = new Promise<Notification>((resolve) => dev.once('notification', resolve));
        await dba.query(`select pg_notify('gh_masking', 'card ' || card_number) from ${S}.payments`);
        expect((await got).payload).toBe('card ************1111');
      } finally {
        await dev.query('unlisten gh_masking');
        await dba.end();
      }
    });

    it('keeps the denial of a statement intact', async () => {
      await expect(dev.query(`select pg_notify('c', ssn) from ${S}.users`)).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining('(rule masking-side-channel)'),
      });
    });
  });

  describe('side channels', () => {
    it.each([
      ['pg_notify', `select pg_notify('c', email) from $S.users`, 'masking-side-channel'],
      ['set_config', `select set_config('app.v', ssn, false) from $S.users`, 'masking-side-channel'],
      [
        'a masked value written back',
        `update $S.users set ssn = '***-**-8845' where id = 1`,
        'masking-write-back',
      ],
      [
        'a sensitive column copied into an unclassified one',
        `update $S.orders set note = (select ssn from $S.users where id = 1)`,
        'masking-copy',
      ],
      ['CREATE TABLE AS', `create table $S.leak as select ssn as n from $S.users`, 'masking-copy'],
      ['SELECT INTO', `select reverse(email) as r into $S.leak2 from $S.users`, 'masking-copy'],
    ])('denies %s', async (_label, sql, rule) => {
      await expect(dev.query(sql.replaceAll('$S', S))).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining(`(rule ${rule})`),
      });
    });

    it('lets unmasked groups do them', async () => {
      const dba = gw.client('token-dba');
      await dba.connect();
      try {
        await dba.query(`select set_config('app.v', ssn, false) from ${S}.users where id = 1`);
      } finally {
        await dba.end();
      }
    });
  });

  describe('strict mode', () => {
    it.each([
      ['a predicate', `select id from $S.users where ssn = '536-22-8845'`],
      ['ORDER BY', `select id from $S.users order by dob`],
      ['GROUP BY', `select count(*) from $S.users group by email`],
      ['a cast', `select ssn::int from $S.users`],
      ['CASE', `select case when ssn like '5%' then 1 else 0 end from $S.users`],
      ['division', `select 1 / (ascii(ssn) - 53) from $S.users`],
      ['a sleep', `select pg_sleep(0)`],
    ])('denies a sensitive column in %s', async (_label, sql) => {
      const agent = gw.client('token-agent');
      await agent.connect();
      try {
        await expect(agent.query(sql.replaceAll('$S', S))).rejects.toMatchObject({
          code: '42501',
          message: expect.stringContaining('(rule masking-strict)'),
        });
      } finally {
        await agent.end();
      }
    });

    it('allows plain reads, masked', async () => {
      const agent = gw.client('token-agent');
      await agent.connect();
      try {
        expect((await agent.query(`select email from ${S}.users where id = 1`)).rows).toEqual([
          { email: 'j***@example.com' },
        ]);
      } finally {
        await agent.end();
      }
    });
  });

  it('learns renamed columns after DDL through the gateway', async () => {
    const dba = gw.client('token-dba');
    await dba.connect();
    try {
      expect((await dev.query(`select note from ${S}.orders`)).rows).toEqual([{ note: 'gift wrap' }]);
      await dba.query(`update ${S}.orders set note = 'Jane Roe'`);
      await dba.query(`alter table ${S}.orders rename column note to last_name`);
      expect((await dev.query(`select * from ${S}.orders`)).rows[0]).toMatchObject({
        reference: '****',
        last_name: 'J***',
      });
    } finally {
      await dba.query(`alter table ${S}.orders rename column last_name to note`);
      await dba.end();
    }
  });

  it('masks every batch of a portal executed with a row limit', async () => {
    const c = await RawClient.login(gw.port, 'token-dev');
    try {
      c.socket.write(
        Buffer.concat([
          encodeParse('', `select email, id from ${S}.users order by id`, []),
          encodeBind({
            portal: 'p',
            statement: '',
            parameterFormats: [],
            parameters: [],
            resultFormats: [0],
          }),
          encodeDescribe('P', 'p'),
          encodeExecute('p', 1),
          encodeExecute('p', 1),
          encodeSync(),
        ]),
      );
      const messages = await c.until(BackendCode.ReadyForQuery);
      const rows = messages
        .filter((m) => m.code === BackendCode.DataRow)
        .map((m) => decodeDataRow(m.payload).map(String));
      expect(rows).toEqual([
        ['j***@example.com', '1'],
        ['b***@example.org', '2'],
      ]);
      expect(messages.filter((m) => m.code === BackendCode.PortalSuspended)).toHaveLength(2);
    } finally {
      c.socket.destroy();
    }
  });

  it('records the masked columns with the statement in the audit', async () => {
    const before = gw.audit.length;
    await dev.query(`select id, email, ssn from ${S}.users order by id`);
    const outcome = gw.audit.slice(before).find((e) => e.type === 'statement.outcome');
    expect(outcome).toMatchObject({
      masked: [
        { column: 'email', table: `${S}.users`, detectors: ['email'], values: 2 },
        { column: 'ssn', table: `${S}.users`, detectors: ['us_ssn'], values: 2 },
      ],
    });
    // The intent never carries values a masked identity could not see (literals are normalised).
    const intent = gw.audit.slice(before).find((e) => e.type === 'statement.intent');
    expect(JSON.stringify(intent)).not.toContain(FIXTURE.email);
  });

  it('masks a large result and keeps its rows in order', async () => {
    const r = await dev.query({
      text: `select g as id, 'user' || g || '@example.com' as email, g::text as tag from generate_series(1, 100000) g`,
      rowMode: 'array',
    });
    expect(r.rowCount).toBe(100000);
    expect(r.rows[99999]).toEqual([100000, 'u***@example.com', '100000']);
    expect(r.rows.every((row, i) => row[0] === i + 1 && row[1] === 'u***@example.com')).toBe(true);
  });

  it('holds the rows, not the session, while the catalog is asked', async () => {
    // A brand-new table: its OID is unknown to the catalog cache, so the first result waits for it.
    const setup = gw.direct();
    await setup.connect();
    await setup.query(
      `create table ${S}.fresh as select g as id, 'k' || g || '@example.com' as email from generate_series(1, 5000) g`,
    );
    await setup.end();
    // Several statements pipelined behind it keep their order and their own masks.
    const [a, b, c] = await Promise.all([
      dev.query(`select email from ${S}.fresh order by id`),
      dev.query(`select id from ${S}.fresh where id = 7`),
      dev.query(`select email from ${S}.users where id = 2`),
    ]);
    expect(a.rows.length).toBe(5000);
    expect(a.rows.every((row: { email: string }) => row.email === 'k***@example.com')).toBe(true);
    expect(b.rows).toEqual([{ id: 7 }]);
    expect(c.rows).toEqual([{ email: 'b***@example.org' }]);
  });
});
