import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statementIntentEvent, type Decision } from '@gatehouse/sql-core';
import { AuditFanOut, FileAuditSink, openAuditSinks, type AuditObservation } from '../../src/audit';
import { linesBackwards } from '../../src/audit/reverse-lines';
import { parseConfig } from '../../src/config';
import { outcome, records, silent, tempDirs } from './audit-test-kit';
import { sessionContext } from './event-stream';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('keep_full_text per target', () => {
  it('keeps the client text only in intents of the listed targets', async () => {
    const dir = dirs.make();
    const c = parseConfig(
      `targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: h, database: test }, logins: [ { user: app } ] }
  - { name: other, engine: postgres, environment: test, upstream: { host: h, database: test }, logins: [ { user: app } ] }
audit: { file: ${join(dir, 'audit.jsonl')}, keep_full_text: [local] }`,
      dir,
    );
    const sink = await openAuditSinks(c.audit, silent, 0);
    const decision: Decision = { action: 'allow', ruleId: 'r', statements: [], maskPlan: null };
    for (const target of ['local', 'other']) {
      const session = sessionContext(`ses_${target}`, 'alice', target);
      const event = {
        session,
        seq: 1,
        sql: "select 'kept only for local'",
        source: 'simple' as const,
        inTransaction: false,
      };
      await sink.write(statementIntentEvent(event, decision, 1, { keepFullText: true }));
    }
    await sink.close();
    const written = records(join(dir, 'audit.jsonl'));
    expect(written.map((r) => [r.target, r.sql_text])).toEqual([
      ['local', "select 'kept only for local'"],
      ['other', undefined],
    ]);
  });
});

describe('records that gate nothing (note)', () => {
  it('ride with the next write, are observed once written, and report a refusal to the caller', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const file = await FileAuditSink.open({ path, logger: silent, laterMs: 60_000 });
    const seen: AuditObservation[] = [];
    const fanOut = new AuditFanOut({
      primary: file,
      chain: 'test',
      replicas: [],
      observers: [{ observe: (o) => void seen.push(o) }],
      keepFullText: null,
      logger: silent,
    });
    const failures: unknown[] = [];
    fanOut.note(outcome(1), (err) => failures.push(err));
    // Waiting for company: not written, not observed yet.
    expect(seen).toEqual([]);
    expect(records(path).filter((r) => r.type === 'statement.outcome')).toEqual([]);
    // A gating write carries it, in order, before returning.
    expect(fanOut.writeNow(outcome(2))).toBeUndefined();
    expect(
      records(path)
        .filter((r) => r.type === 'statement.outcome')
        .map((r) => r.statement_seq),
    ).toEqual([1, 2]);
    expect(
      seen.map((o) => ['statement_seq' in o.event && o.event.statement_seq, o.written, o.deferred]),
    ).toEqual([
      [1, true, true],
      [2, true, undefined],
    ]);
    expect(failures).toEqual([]);

    await fanOut.close();
    const late = outcome(3);
    fanOut.note(late, (err, event) => failures.push([err, event]));
    expect(failures).toEqual([[expect.objectContaining({ code: 'audit_unavailable' }), late]]);
    await expect(fanOut.write(outcome(4))).rejects.toMatchObject({ code: 'audit_unavailable' });
  });
});

describe('reading a file backwards', () => {
  const lines = Array.from({ length: 40 }, (_x, i) => `{"n":${i},"pad":"${'x'.repeat(i % 11)}"}`);

  it.each([1, 7, 64, 1 << 20])(
    'yields complete lines last first, skipping a line still being written (chunks of %i)',
    async (chunk) => {
      const path = join(dirs.make(), 'a.jsonl');
      writeFileSync(path, `${lines.join('\n')}\n{"n":40,"torn`);
      const got: string[] = [];
      for await (const l of linesBackwards(path, { bytes: Infinity, exhausted: false }, chunk)) got.push(l);
      expect(got).toEqual([...lines].reverse());
    },
  );

  it('stops at its byte budget and says so', async () => {
    const path = join(dirs.make(), 'a.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const budget = { bytes: 100, exhausted: false };
    const got: string[] = [];
    for await (const l of linesBackwards(path, budget, 32)) got.push(l);
    expect(budget.exhausted).toBe(true);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual([...lines].reverse().slice(0, got.length));
  });
});
