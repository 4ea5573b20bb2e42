import { closeSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { verifyAuditFiles } from '../../src/audit';
import type { RunningGateway } from '../../src/runtime';
import { memoryLogger } from '../../src/testing/test-support';
import { openDescriptors } from './audit-test-kit';
import {
  direct,
  gatewayKit,
  metricValue,
  readRecords,
  startKitGateway,
  type GatewayKit,
} from './gateway-kit';

/**
 * audit.on_failure through the real gateway. Tests run as root, where file
 * permissions stop nothing: the fault is the file's descriptor closed under
 * the sink and the path turned into /dev/full (every write: ENOSPC).
 */
const TABLE = `gh_audit_refuse_${process.pid}`;

async function upstreamIds(): Promise<number[]> {
  const d = await direct();
  try {
    return (await d.query(`select id from ${TABLE} order by id`)).rows.map((r: { id: number }) => r.id);
  } finally {
    await d.end();
  }
}

/** Breaks the audit file under a running gateway; returns how to mend it. */
function breakAuditFile(path: string): () => void {
  const fds = openDescriptors(path);
  expect(fds).toHaveLength(1);
  renameSync(path, `${path}.saved`);
  symlinkSync('/dev/full', path);
  closeSync(fds[0]!);
  return () => {
    rmSync(path);
    renameSync(`${path}.saved`, path);
  };
}

describe('when the audit cannot be written', () => {
  let kit: GatewayKit;
  let gateway: RunningGateway | null = null;

  beforeEach(async () => {
    const d = await direct();
    await d.query(`drop table if exists ${TABLE}; create table ${TABLE} (id int primary key)`);
    await d.end();
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = null;
    kit?.cleanup();
    const d = await direct();
    await d.query(`drop table if exists ${TABLE}`);
    await d.end();
  });

  it('refuses statements (58000) while it cannot write, runs nothing unrecorded, and continues the chain once it can', async () => {
    kit = await gatewayKit();
    gateway = await startKitGateway(kit);
    const c = kit.client();
    await c.connect();
    try {
      await c.query(`insert into ${TABLE} values (1)`);
      const mend = breakAuditFile(kit.auditFile);
      for (const id of [2, 3]) {
        await expect(c.query(`insert into ${TABLE} values (${id})`)).rejects.toMatchObject({
          code: '58000',
          message: expect.stringContaining(
            'the audit record could not be written, so the statement was refused',
          ),
        });
      }
      expect(await upstreamIds()).toEqual([1]);
      // The session survived; with the file back, statements run (and are recorded) again.
      mend();
      await c.query(`insert into ${TABLE} values (4)`);
      expect(await upstreamIds()).toEqual([1, 4]);
    } finally {
      await c.end();
    }
    const metrics = (await kit.api('/metrics', '')).text;
    expect(
      metricValue(metrics, 'gatehouse_audit_write_failures_total', { sink: 'file' }),
    ).toBeGreaterThanOrEqual(2);
    await gateway.stop();
    gateway = null;
    expect(await verifyAuditFiles([kit.auditFile])).toMatchObject({ ok: true });
    const intents = readRecords(kit.auditFile).filter((r) => r.type === 'statement.intent');
    expect(intents.map((r) => r.statement_seq)).toEqual([1, 4]);
  });

  it('refuses the session itself when not even its start can be written', async () => {
    kit = await gatewayKit();
    mkdirSync(dirname(kit.auditFile), { recursive: true });
    symlinkSync('/dev/full', kit.auditFile);
    gateway = await startKitGateway(kit);
    const c = kit.client();
    await expect(c.connect()).rejects.toMatchObject({ code: '58000' });
    expect(gateway.sessions.size).toBe(0);
  });

  it('with on_failure: allow, runs the statement and logs the lost record loudly', async () => {
    kit = await gatewayKit({ audit: 'on_failure: allow' });
    const log = memoryLogger();
    gateway = await startKitGateway(kit, log.logger);
    const c = kit.client();
    await c.connect();
    try {
      const mend = breakAuditFile(kit.auditFile);
      await c.query(`insert into ${TABLE} values (2)`);
      expect(await upstreamIds()).toEqual([2]);
      expect(log.lines.some((l) => l.includes('AUDIT RECORD LOST'))).toBe(true);
      mend();
    } finally {
      await c.end();
    }
  });
});
