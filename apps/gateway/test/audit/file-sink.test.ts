import { verifyChain, GENESIS_HASH, hashLine } from '@gatehouse/sql-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { eventually, outcome, records, silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('FileAuditSink', () => {
  it('appends one canonical, chained record per write and verifies', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    await sink.write(outcome(1));
    await sink.write(outcome(2));
    expect(sink.head.seq).toBe(2);
    await sink.close();

    const text = readFileSync(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      seq: 1,
      prev: GENESIS_HASH,
      type: 'statement.outcome',
      statement_seq: 1,
    });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ seq: 2, prev: hashLine(lines[0] as string) });
    expect(verifyChain(text)).toMatchObject({ ok: true, records: 2, head: { seq: 2, hash: sink.head.hash } });
  });

  it.each(['write', 'fsync'] as const)(
    'groups concurrent writes from many producers into few syscalls, in call order (%s)',
    async (durability) => {
      const path = join(dirs.make(), 'audit.jsonl');
      const sink = await FileAuditSink.open({ path, logger: silent, durability });
      const producers = 8;
      const perProducer = 100;
      const called: string[] = [];
      await Promise.all(
        Array.from({ length: producers }, async (_x, p) => {
          for (let i = 1; i <= perProducer; i++) {
            const event = outcome(i, `ses_p${p}`);
            called.push(`${event.session_id}/${i}`);
            await sink.write(event);
          }
        }),
      );
      const stats = sink.stats;
      await sink.close();

      const written = records(path);
      expect(written).toHaveLength(producers * perProducer);
      expect(written.map((r) => `${String(r.session_id)}/${String(r.statement_seq)}`)).toEqual(called);
      expect(written.map((r) => r.seq)).toEqual(written.map((_r, i) => i + 1));
      // Each round of 8 producers shares one write: about 100 syscalls for 800 records, never one each.
      expect(stats.batches).toBeLessThanOrEqual(perProducer + 2);
      expect(verifyChain(readFileSync(path))).toMatchObject({ ok: true, records: producers * perProducer });
    },
  );

  it('puts a burst of writes issued in one tick into a single write syscall', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    await Promise.all(Array.from({ length: 500 }, (_x, i) => sink.write(outcome(i + 1))));
    expect(sink.stats).toMatchObject({ batches: 1, records: 500 });
    await sink.close();
  });

  it('fsyncs in groups: by record count, by interval, on close', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({
      path,
      logger: silent,
      fsyncEveryRecords: 10,
      fsyncIntervalMs: 5,
    });
    await Promise.all(Array.from({ length: 10 }, (_x, i) => sink.write(outcome(i + 1))));
    await eventually(() => sink.stats.fsyncs === 1);
    await sink.write(outcome(11));
    await eventually(() => sink.stats.fsyncs === 2);
    await sink.write(outcome(12));
    await sink.close();
    expect(sink.stats.fsyncs).toBeGreaterThanOrEqual(3);
  });

  it('does not fsync per record in write durability', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({
      path,
      logger: silent,
      fsyncEveryRecords: 1000,
      fsyncIntervalMs: 60_000,
    });
    for (let i = 1; i <= 50; i++) await sink.write(outcome(i));
    expect(sink.stats).toMatchObject({ batches: 50, fsyncs: 0 });
    await sink.close();
    expect(sink.stats.fsyncs).toBe(1);
  });

  it('in fsync durability resolves each write only after an fsync', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, durability: 'fsync' });
    await sink.write(outcome(1));
    expect(sink.stats.fsyncs).toBe(1);
    await Promise.all([sink.write(outcome(2)), sink.write(outcome(3))]);
    expect(sink.stats.fsyncs).toBe(2);
    await sink.close();
  });

  it('rejects an event that cannot be serialised alone, without using a seq', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    const bad = { ...outcome(2), duration_ms: Number.NaN };
    const results = await Promise.allSettled([
      sink.write(outcome(1)),
      sink.write(bad),
      sink.write(outcome(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sink.healthy).toBe(true);
    await sink.close();
    expect(records(path).map((r) => [r.seq, r.statement_seq])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  it('drains queued writes on close, then refuses new ones and reports unhealthy', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    const pending = [sink.write(outcome(1)), sink.write(outcome(2))];
    const closed = sink.close();
    await expect(sink.write(outcome(3))).rejects.toMatchObject({ code: 'audit_unavailable' });
    await Promise.all([...pending, closed]);
    expect(sink.healthy).toBe(false);
    expect(records(path)).toHaveLength(2);
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it('allows one writer per file', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    await expect(FileAuditSink.open({ path, logger: silent })).rejects.toThrow(/in use by process \d+/);
    await sink.close();
    const again = await FileAuditSink.open({ path, logger: silent });
    await again.close();
  });
});
