import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { verifyAuditFiles } from '../../src/audit';
import type { RunningGateway } from '../../src/runtime';
import { memoryIo } from '../../src/testing/memory-io';
import {
  direct,
  eventually,
  gatewayKit,
  metricValue,
  readRecords,
  startKitGateway,
  type AuditRecord,
  type GatewayKit,
} from './gateway-kit';

/**
 * One real session through the real gateway (node-postgres, the local
 * PostgreSQL): every statement string is in the audit file once, with the
 * facts it should have; the chain verifies; literals never reach the file;
 * the metrics and GET /v1/audit agree with the file; `gatehouse audit
 * verify` catches an edited, a removed and a reordered record of it.
 */
const TABLE = `gh_audit_e2e_${process.pid}`;
const SECRET = `s3cret-${process.pid}@example.com`;

describe('the audit trail of a real session', () => {
  let kit: GatewayKit;
  let gateway: RunningGateway;
  let records: AuditRecord[];
  let sessionId: string;
  let metricsText: string;
  const errors: Record<string, string | undefined> = {};

  beforeAll(async () => {
    kit = await gatewayKit();
    gateway = await startKitGateway(kit);
    const c = kit.client();
    await c.connect();
    const run = async (label: string, sql: string, params?: unknown[]) => {
      try {
        await c.query(sql, params);
      } catch (err) {
        errors[label] = (err as { code?: string }).code;
      }
    };
    await run('create', `create table ${TABLE} (id int primary key, email text)`); // 1
    await run('insert', `insert into ${TABLE} values (1, '${SECRET}'), (2, 'b@example.com')`); // 2
    await run('select', `select * from ${TABLE} where id = 1`); // 3
    await run('extended', `select email from ${TABLE} where id = $1`, [2]); // 4
    await run(
      'multi',
      `update ${TABLE} set email = 'x@example.com' where id = 1; select count(*) from ${TABLE}`,
    ); // 5
    await run('error', 'select 1/0'); // 6
    await run('denied', `drop table ${TABLE}`); // 7
    await run('begin', 'begin'); // 8
    await run('in-tx', `delete from ${TABLE} where id = 2`); // 9
    await run('commit', 'commit'); // 10
    await c.end();
    // session.end is noted as the session closes.
    await eventually(() => readRecords(kit.auditFile).some((r) => r.type === 'session.end'));
    metricsText = (await kit.api('/metrics', '')).text;
    records = readRecords(kit.auditFile);
    sessionId = records.find((r) => r.type === 'session.start')!.session_id as string;
  }, 30_000);

  afterAll(async () => {
    await gateway?.stop();
    const d = await direct();
    await d.query(`drop table if exists ${TABLE}`);
    await d.end();
    kit?.cleanup();
  });

  const intent = (seq: number) =>
    records.filter((r) => r.type === 'statement.intent' && r.statement_seq === seq);
  const outcome = (seq: number) =>
    records.filter((r) => r.type === 'statement.outcome' && r.statement_seq === seq);

  it('answers the client as the policy says', () => {
    expect(errors).toEqual({ error: '22012', denied: '42501' });
  });

  it('records each statement string once: intent and outcome, a denied one intent only', () => {
    expect(records.filter((r) => r.type === 'session.start')).toHaveLength(1);
    const end = records.filter((r) => r.type === 'session.end');
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({
      session_id: sessionId,
      statements: 10,
      reason: 'client_closed',
      subject: 'auditor',
    });
    const intents = records.filter((r) => r.type === 'statement.intent');
    expect(intents.map((r) => r.statement_seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let seq = 1; seq <= 10; seq++) {
      expect(intent(seq)).toHaveLength(1);
      expect(outcome(seq)).toHaveLength(seq === 7 ? 0 : 1);
      // The intent is written before the statement runs, so before its outcome.
      if (seq !== 7) expect(outcome(seq)[0]!.seq).toBeGreaterThan(intent(seq)[0]!.seq);
    }
    // The file is one chain with no gap, starting with the session.
    expect(records.map((r) => r.seq)).toEqual(records.map((_r, i) => i + 1));
  });

  it('records the facts of each statement', () => {
    const facts = (seq: number) =>
      (intent(seq)[0]!.statements as Record<string, unknown>[]).map((s) => ({
        kind: s.kind,
        command: s.command,
      }));
    expect(facts(1)).toEqual([{ kind: 'ddl', command: 'CREATE TABLE' }]);
    expect(intent(2)[0]).toMatchObject({
      decision: 'allow',
      rule_id: 'everything',
      source: 'simple',
      subject: 'auditor',
      target: 'local',
      database: 'test',
    });
    expect(intent(2)[0]!.statements).toEqual([
      expect.objectContaining({ kind: 'write', tables_written: [TABLE] }),
    ]);
    expect(outcome(2)[0]).toMatchObject({
      status: 'ok',
      rows_affected: 2,
      sqlstate: null,
      subject: 'auditor',
      target: 'local',
    });
    expect(intent(3)[0]!.statements).toEqual([
      expect.objectContaining({ kind: 'read', tables_read: [TABLE] }),
    ]);
    expect(outcome(3)[0]).toMatchObject({ status: 'ok', rows_returned: 1 });
    expect(intent(4)[0]).toMatchObject({ source: 'extended' });
    expect(outcome(4)[0]).toMatchObject({ rows_returned: 1 });
    expect(facts(5)).toEqual([
      { kind: 'write', command: 'UPDATE' },
      { kind: 'read', command: 'SELECT' },
    ]);
    expect(outcome(6)[0]).toMatchObject({ status: 'error', sqlstate: '22012' });
    expect(intent(7)[0]).toMatchObject({
      decision: 'deny',
      rule_id: 'guardrails',
      reason: 'the statement tripped a guardrail (guardrail drop-table)',
    });
    expect(intent(7)[0]!.statements).toEqual([
      expect.objectContaining({ guardrails: [expect.objectContaining({ id: 'drop-table' })] }),
    ]);
    expect(intent(9)[0]).toMatchObject({ in_transaction: true });
    expect(outcome(9)[0]).toMatchObject({ rows_affected: 1 });
    for (const r of outcome(3)) expect(typeof r.duration_ms).toBe('number');
  });

  it('never writes a literal to the file', () => {
    const text = readFileSync(kit.auditFile, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('b@example.com');
    expect(text).not.toContain(kit.token);
  });

  it('is a chain `gatehouse audit verify` accepts', async () => {
    expect(await verifyAuditFiles([kit.auditFile])).toMatchObject({ ok: true });
    const io = memoryIo(kit.dir);
    expect(await runCli(['audit', 'verify', kit.auditFile], io)).toBe(0);
    expect(io.out).toContain('audit chain intact');
  });

  it.each([
    [
      'edited',
      (lines: string[], at: number) =>
        lines.map((l, i) => (i === at ? l.replace('"rows_returned":1,', '"rows_returned":7,') : l)),
    ],
    ['removed', (lines: string[], at: number) => lines.filter((_l, i) => i !== at)],
    [
      'reordered',
      (lines: string[], at: number) =>
        lines.map((l, i) => (i === at ? lines[at + 1]! : i === at + 1 ? lines[at]! : l)),
    ],
  ])('`gatehouse audit verify` names the %s record', async (kind, tamper) => {
    const lines = readFileSync(kit.auditFile, 'utf8').trimEnd().split('\n');
    // The outcome of statement 3 (one row returned), in the middle of the chain.
    const at = lines.findIndex((l) => l.includes('"rows_returned":1,'));
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(lines.length - 2);
    const copy = join(kit.dir, `tampered-${kind}.jsonl`);
    writeFileSync(copy, `${tamper(lines, at).join('\n')}\n`);
    const io = memoryIo(kit.dir);
    expect(await runCli(['audit', 'verify', copy], io)).toBe(1);
    expect(io.out + io.err).toContain(`audit chain BROKEN: ${kind}`);
  });

  it('counts the run in GET /metrics', () => {
    const v = (name: string, labels: Record<string, string> = {}) => metricValue(metricsText, name, labels);
    expect(v('gatehouse_sessions_total', { target: 'local' })).toBe(1);
    expect(v('gatehouse_sessions_open', { target: 'local' })).toBe(0);
    expect(v('gatehouse_statements_total', { kind: 'read', decision: 'allow' })).toBe(4); // 3, 4, 5b, 6
    expect(v('gatehouse_statements_total', { kind: 'write', decision: 'allow' })).toBe(3); // 2, 5a, 9
    expect(v('gatehouse_statements_total', { kind: 'ddl', decision: 'deny' })).toBe(1);
    expect(v('gatehouse_statements_total', { kind: 'transaction', decision: 'allow' })).toBe(2);
    expect(v('gatehouse_guardrail_hits_total', { guardrail: 'drop-table' })).toBe(1);
    expect(v('gatehouse_statement_duration_seconds_count')).toBe(9);
    expect(v('gatehouse_statement_duration_seconds_count', { status: 'error' })).toBe(1);
    expect(v('gatehouse_statement_overhead_seconds_count')).toBe(9);
    expect(v('gatehouse_statement_overhead_seconds_sum')).toBeGreaterThan(0);
    // Every gating record the file took: the session start and 10 intents (outcomes and the
    // session end wait to share a write: their wait is not a write latency).
    expect(v('gatehouse_audit_write_seconds_count', { sink: 'file' })).toBe(11);
    expect(v('gatehouse_audit_records_total', { type: 'statement.outcome' })).toBe(9);
    expect(v('gatehouse_audit_records_total', { type: 'statement.intent' })).toBe(10);
    expect(v('gatehouse_audit_write_failures_total', { sink: 'file' }) ?? 0).toBe(0);
    expect(v('gatehouse_approvals_pending')).toBe(0);
    expect(v('gatehouse_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metricsText).not.toContain('auditor');
    expect(metricsText).not.toContain(sessionId);
  });

  it('serves the records through GET /v1/audit, newest first, filtered', async () => {
    type Page = { source: string; records: AuditRecord[]; truncated: boolean };
    const get = async (query: string): Promise<Page> => {
      const res = await kit.api(`/v1/audit?${query}`);
      expect(res.status).toBe(200);
      return res.json() as Page;
    };
    const all = await get('limit=1000');
    expect(all).toMatchObject({ source: 'files', truncated: false });
    expect(all.records.map((r) => r.seq)).toEqual(records.map((r) => r.seq).reverse());
    expect(all.records[0]!.chain).toMatch(/:audit$/);

    const writes = await get(`kind=write&session=${sessionId}`);
    // Intents of 2, 5, 9 and their outcomes.
    expect(writes.records.map((r) => `${r.type}:${r.statement_seq}`).sort()).toEqual(
      ['2', '5', '9'].flatMap((s) => [`statement.intent:${s}`, `statement.outcome:${s}`]).sort(),
    );
    const denied = await get('decision=deny');
    expect(denied.records.map((r) => r.statement_seq)).toEqual([7]);
    const onTable = await get(`table=public.${TABLE}&type=statement.intent`);
    expect(onTable.records).toEqual([]); // recorded unqualified: the statement left the schema to the search path
    const bare = await get(`table=${TABLE}&type=statement.intent`);
    expect(bare.records.map((r) => r.statement_seq)).toEqual([9, 7, 5, 4, 3, 2, 1]);
    const limited = await get('limit=3');
    expect(limited).toMatchObject({ truncated: true });
    expect(limited.records).toHaveLength(3);
    expect((await get('subject=nobody')).records).toEqual([]);
    const lastTime = records.at(-1)!.time;
    expect((await get(`from=${encodeURIComponent(lastTime)}`)).records.every((r) => r.time >= lastTime)).toBe(
      true,
    );
  });

  it('keeps GET /v1/audit to admins and validates its query', async () => {
    expect((await kit.api('/v1/audit', kit.devToken)).status).toBe(403);
    expect((await kit.api('/v1/audit', '')).status).toBe(401);
    expect((await kit.api('/v1/audit?kind=selects')).status).toBe(400);
    expect((await kit.api('/v1/audit?limit=100000')).status).toBe(400);
    expect((await kit.api('/v1/audit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(400);
  });
});
