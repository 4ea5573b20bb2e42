import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startTestGateway, type TestGateway } from './test-gateway';
import { makeTestCert, type TestCert } from './test-certs';

const run = promisify(execFile);

describe('psql through the PostgreSQL engine', () => {
  let gw: TestGateway;
  let cert: TestCert;
  let dir: string;
  const table = `gh_psql_${process.pid}`;

  beforeAll(async () => {
    cert = makeTestCert();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-psql-'));
    gw = await startTestGateway({ tls: createSecureContext({ cert: cert.cert, key: cert.key }) });
  });
  afterAll(async () => {
    await gw.stop();
    cert.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function psql(args: string[], sslmode = 'disable', stdin?: string) {
    const conn = `host=127.0.0.1 port=${gw.port} dbname=local user=alice sslmode=${sslmode}`;
    const child = run('psql', [conn, '-X', '-v', 'ON_ERROR_STOP=1', '-qAt', ...args], {
      env: { ...process.env, PGPASSWORD: 'token-alice', PGCONNECT_TIMEOUT: '5' },
    });
    if (stdin !== undefined) child.child.stdin?.end(stdin);
    return child;
  }

  it('runs a simple query over TLS with sslmode=require', async () => {
    const { stdout } = await psql(
      ['-c', "select 'tls:' || ssl from pg_stat_ssl where pid = pg_backend_pid()", '-c', 'select 1'],
      'require',
    );
    // The upstream leg is plain here; the client leg is TLS (the session is marked so).
    expect(stdout.trim().split('\n')).toEqual(['tls:false', '1']);
  });

  it('runs multi-statement strings and reports errors with their SQLSTATE', async () => {
    const { stdout } = await psql(['-c', 'select 1; select 2']);
    expect(stdout.trim()).toBe('1\n2');
    await expect(psql(['-v', 'VERBOSITY=verbose', '-c', 'select 1/0'])).rejects.toMatchObject({
      stderr: expect.stringContaining('22012'),
    });
  });

  it('copies in and out with \\copy', async () => {
    const csvIn = join(dir, 'in.csv');
    const csvOut = join(dir, 'out.csv');
    writeFileSync(csvIn, Array.from({ length: 1000 }, (_, i) => `${i},name-${i}`).join('\n') + '\n');
    await psql(['-c', `create table ${table} (id int, name text)`]);
    try {
      await psql(['-c', `\\copy ${table} from '${csvIn}' with (format csv)`]);
      await psql(['-c', `\\copy (select * from ${table} order by id) to '${csvOut}' with (format csv)`]);
      expect(readFileSync(csvOut, 'utf8')).toBe(readFileSync(csvIn, 'utf8'));
      // COPY FROM STDIN through the wire protocol, fed on psql's standard input.
      await psql(['-c', `copy ${table} from stdin with (format csv)`], 'disable', '5000,extra\n');
      const { stdout } = await psql(['-c', `select count(*), max(id) from ${table}`]);
      expect(stdout.trim()).toBe('1001|5000');
    } finally {
      await psql(['-c', `drop table if exists ${table}`]);
    }
  });

  it('relays LISTEN/NOTIFY between sessions', async () => {
    const listener = new Client({
      host: '127.0.0.1',
      port: gw.port,
      user: 'alice',
      password: 'token-alice',
      database: 'local',
    });
    await listener.connect();
    try {
      const got = new Promise<{ channel: string; payload?: string }>((resolve) =>
        listener.on('notification', resolve),
      );
      await listener.query('listen gatehouse_test');
      await psql(['-c', "notify gatehouse_test, 'hello'"]);
      await expect(got).resolves.toMatchObject({ channel: 'gatehouse_test', payload: 'hello' });
    } finally {
      await listener.end();
    }
  });
});
