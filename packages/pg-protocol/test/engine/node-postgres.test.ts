import { Client } from 'pg';
import { startTestGateway, type TestGateway } from './test-gateway';

describe('node-postgres through the PostgreSQL engine', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  function client(password = 'token-alice', database = 'local'): Client {
    return new Client({ host: '127.0.0.1', port: gw.port, user: 'alice', password, database });
  }

  it('runs simple and parameterised queries', async () => {
    const c = client();
    await c.connect();
    try {
      const simple = await c.query('select 1 as one, current_database() as db, current_user as who');
      expect(simple.rows).toEqual([{ one: 1, db: 'test', who: 'postgres' }]);
      const params = await c.query('select $1::int + $2::int as sum, $3::text as t', [40, 2, 'héllo']);
      expect(params.rows).toEqual([{ sum: 42, t: 'héllo' }]);
      const none = await c.query({ text: 'select $1::text is null as isnull', values: [null] });
      expect(none.rows[0].isnull).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('reports the upstream database from target/database and forwards server errors unchanged', async () => {
    const c = client('token-alice', 'local/postgres');
    await c.connect();
    try {
      expect((await c.query('select current_database() as db')).rows[0].db).toBe('postgres');
      await expect(c.query('select * from no_such_table_here')).rejects.toMatchObject({ code: '42P01' });
      // The session stays usable after an error.
      expect((await c.query('select 2 as two')).rows[0].two).toBe(2);
    } finally {
      await c.end();
    }
  });

  it('keeps transactions: rollback discards, commit keeps', async () => {
    const c = client();
    await c.connect();
    const table = `gh_tx_${process.pid}`;
    try {
      await c.query(`create table ${table} (id int)`);
      await c.query('begin');
      await c.query(`insert into ${table} values (1)`);
      await c.query('rollback');
      await c.query('begin');
      await c.query(`insert into ${table} values (2)`);
      await expect(c.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
      await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
      await c.query('rollback');
      await c.query('begin');
      await c.query(`insert into ${table} values (3)`);
      await c.query('commit');
      expect((await c.query(`select array_agg(id) as ids from ${table}`)).rows[0].ids).toEqual([3]);
    } finally {
      await c.query(`drop table if exists ${table}`);
      await c.end();
    }
  });

  it('falls back to plaintext with tls prefer when the upstream has no TLS', async () => {
    const preferring = await startTestGateway({ upstream: { tls: 'prefer' } });
    const c = new Client({
      host: '127.0.0.1',
      port: preferring.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    try {
      await c.connect();
      expect((await c.query('select 1 as one')).rows[0].one).toBe(1);
    } finally {
      await c.end();
      await preferring.stop();
    }
  });

  it('refuses a wrong token with 28P01 and an unknown target with 3D000', async () => {
    await expect(client('not-a-token').connect()).rejects.toMatchObject({ code: '28P01' });
    await expect(client('token-alice', 'nowhere').connect()).rejects.toMatchObject({ code: '3D000' });
  });

  it('queues many queries on one connection and answers each in order', async () => {
    const c = client();
    await c.connect();
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => c.query('select $1::int as i', [i]).then((r) => r.rows[0].i)),
      );
      expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await c.end();
    }
  });

  it('streams a 1,000,000-row result', async () => {
    const c = client();
    await c.connect();
    try {
      const r = await c.query({ text: 'select g from generate_series(1, 1000000) g', rowMode: 'array' });
      expect(r.rowCount).toBe(1000000);
      let sum = 0;
      for (const row of r.rows) sum += row[0] as number;
      expect(sum).toBe(500000500000);
    } finally {
      await c.end();
    }
  });

  it('lists the session with its identity and removes it on close', async () => {
    const c = client();
    await c.connect();
    await c.query('select 1');
    const [info] = gw.sessions.list();
    expect(info).toMatchObject({
      subject: 'alice',
      groups: ['dev'],
      database: 'test',
      clientUser: 'alice',
      statements: 1,
    });
    expect(info?.target.name).toBe('local');
    await c.end();
    for (let i = 0; i < 50 && gw.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gw.sessions.size).toBe(0);
  });
});
