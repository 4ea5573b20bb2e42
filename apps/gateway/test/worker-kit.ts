import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';

/** Setup and cleanup straight on PostgreSQL (database test), on a short connection. */
export async function direct(sql: string): Promise<void> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The pids of a process's children (a cluster primary's workers), from /proc. */
export function childPids(parent: number | undefined): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Fields after the command's closing parenthesis: state, then the parent pid.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** What a read of `table` through the gateway answers on a new connection: `ok`, a SQLSTATE, or `down`. */
export async function readThrough(port: number, token: string, table: string): Promise<string> {
  const c = new Client({
    host: '127.0.0.1',
    port,
    user: 'ci',
    password: token,
    database: 'local',
    connectionTimeoutMillis: 5000,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch {
    return 'down';
  }
  try {
    await c.query(`select count(*) from ${table}`);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  } finally {
    await c.end().catch(() => undefined);
  }
}
