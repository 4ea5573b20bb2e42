import type { Client } from 'pg';
import { verifyAuditFiles } from '../../src/audit';
import { direct, gatewayKit, readRecords, type GatewayKit } from './gateway-kit';
import { exited, spawnGateway, waitForOutput } from './ts-child';

/**
 * The guarantee behind the intent record: a gateway killed with SIGKILL in
 * the middle of a write load leaves no statement executed upstream without
 * its intent in the audit file.
 *
 * Intents hold normalised SQL (no literals), so each executed statement is
 * identified by where it sits, not by its text: every client sends only
 * `INSERT ... VALUES (<its port>, <n>)` for n = 1, 2, 3..., so the n-th
 * statement of the session is statement_seq n, and the session is the one
 * whose session.start has the client's address. A trigger upstream logs each
 * row as it is inserted: the upstream's own record of what ran.
 */
const TABLE = `gh_audit_kill_${process.pid}`;
const CLIENTS = 8;

describe('a gateway killed with SIGKILL under load', () => {
  let kit: GatewayKit;

  beforeAll(async () => {
    const d = await direct();
    await d.query(`
      drop table if exists ${TABLE}, ${TABLE}_log;
      create table ${TABLE} (client_port int, n int, primary key (client_port, n));
      create table ${TABLE}_log (marker text primary key, at timestamptz not null default clock_timestamp());
      create function ${TABLE}_fn() returns trigger language plpgsql as $$
        begin insert into ${TABLE}_log (marker) values (new.client_port || '/' || new.n); return new; end $$;
      create trigger ${TABLE}_tr after insert on ${TABLE} for each row execute function ${TABLE}_fn();`);
    await d.end();
    kit = await gatewayKit();
  });

  afterAll(async () => {
    const d = await direct();
    await d.query(`drop table if exists ${TABLE}, ${TABLE}_log; drop function if exists ${TABLE}_fn()`);
    await d.end();
    kit.cleanup();
  });

  it('leaves no executed statement without its intent, and the chain recovers on restart', async () => {
    const first = spawnGateway(kit.configFile);
    try {
      await waitForOutput(first.output, 'postgres listener ready');
      const clients: Client[] = Array.from({ length: CLIENTS }, () => kit.client());
      await Promise.all(clients.map((c) => c.connect()));
      let sent = 0;
      let killed = false;
      const loops = clients.map(async (c) => {
        c.on('error', () => undefined);
        const port = (c as unknown as { connection: { stream: { localPort: number } } }).connection.stream
          .localPort;
        for (let n = 1; ; n++) {
          try {
            await c.query(`insert into ${TABLE} (client_port, n) values (${port}, ${n})`);
          } catch {
            return;
          }
          sent += 1;
          if (sent >= 1500 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      });
      await Promise.all(loops);
      expect((await exited(first.child)).signal).toBe('SIGKILL');
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
    }

    // What ran upstream, by the trigger's log.
    const d = await direct();
    const markers: string[] = (await d.query(`select marker from ${TABLE}_log`)).rows.map(
      (r: { marker: string }) => r.marker,
    );
    await d.end();
    expect(markers.length).toBeGreaterThanOrEqual(1500);

    // What the audit file says was about to run.
    const records = readRecords(kit.auditFile);
    const portOf = new Map<string, string>();
    for (const r of records)
      if (r.type === 'session.start')
        portOf.set(r.session_id as string, (r.client_address as string).split(':').pop()!);
    const intended = new Set<string>();
    for (const r of records) {
      if (r.type !== 'statement.intent' || r.decision !== 'allow') continue;
      const statements = r.statements as { command: string; tables_written: string[] }[];
      if (statements[0]?.command === 'INSERT' && statements[0].tables_written.includes(TABLE)) {
        intended.add(`${portOf.get(r.session_id as string)}/${String(r.statement_seq)}`);
      }
    }
    expect(portOf.size).toBe(CLIENTS);
    expect(markers.filter((m) => !intended.has(m))).toEqual([]);

    // A restart continues the chain past whatever the kill cut (a torn line gets chain.recovered).
    const second = spawnGateway(kit.configFile);
    await waitForOutput(second.output, 'postgres listener ready');
    second.child.kill('SIGTERM');
    expect((await exited(second.child)).code).toBe(0);
    expect(await verifyAuditFiles([kit.auditFile])).toMatchObject({ ok: true });
  }, 90_000);
});
