import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { verifyAuditFiles } from '../../src/audit/verify-files';
import { openDescriptors, outcome, records, silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** writeNow: the statement path's synchronous write. */
describe('FileAuditSink.writeNow', () => {
  it('records the event before returning when the file is idle', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    expect(sink.writeNow(outcome(1))).toBeUndefined();
    // Already in the file: no promise was awaited.
    expect(records(path).map((r) => r.statement_seq)).toEqual([1]);
    expect(sink.head.seq).toBe(1);
    await sink.close();
  });

  it('writes the records queued before it first, in the same write, and settles them', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    const queued = [sink.write(outcome(1)), sink.write(outcome(2))];
    expect(sink.writeNow(outcome(3))).toBeUndefined();
    await Promise.all(queued);
    expect(records(path).map((r) => [r.seq, r.statement_seq])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(sink.stats.batches).toBe(1);
    await sink.close();
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 3 });
  });

  it('waits (a promise) where it cannot write at once: fsync durability', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, durability: 'fsync' });
    const pending = sink.writeNow(outcome(1));
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(sink.stats.fsyncs).toBeGreaterThanOrEqual(1);
    await sink.close();
  });

  it('throws the refusal when the write fails, and the next write reopens and continues the chain', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    sink.writeNow(outcome(1));
    const queued = sink.write(outcome(2));
    closeSync(openDescriptors(path)[0]!);
    expect(() => sink.writeNow(outcome(3))).toThrow(expect.objectContaining({ code: 'audit_unavailable' }));
    await expect(queued).rejects.toMatchObject({ code: 'audit_unavailable' });
    expect(sink.healthy).toBe(false);
    // The file must be reopened first: this one waits, then succeeds.
    await sink.writeNow(outcome(4));
    expect(sink.healthy).toBe(true);
    await sink.close();
    expect(records(path).map((r) => r.statement_seq)).toEqual([1, 4]);
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true });
  });
});

/** appendLater: records that gate nothing wait briefly to share a gating record's write. */
describe('FileAuditSink.appendLater', () => {
  it('rides along with the next gating write: one write(2) for both, in call order', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, laterMs: 60_000 });
    const later = sink.appendLater(outcome(1));
    // Not written yet: it waits for company.
    expect(records(path)).toEqual([]);
    expect(sink.writeNow(outcome(2))).toBeUndefined();
    await expect(later).resolves.toMatchObject({ seq: 1 });
    expect(records(path).map((r) => [r.seq, r.statement_seq])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(sink.stats.batches).toBe(1);
    await sink.close();
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 2 });
  });

  it('is written by its timer when no gating record comes', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, laterMs: 20 });
    const later = sink.appendLater(outcome(1));
    // Not in the next turn of the event loop, as `append` would be...
    await new Promise((resolve) => setImmediate(resolve));
    expect(records(path)).toEqual([]);
    // ...but once the timer fires.
    await later;
    expect(records(path).map((r) => r.statement_seq)).toEqual([1]);
    await sink.close();
  });

  it('is written by close, without waiting for the timer', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, laterMs: 60_000 });
    const later = sink.appendLater(outcome(1));
    await sink.close();
    await expect(later).resolves.toMatchObject({ seq: 1 });
    expect(records(path).map((r) => r.statement_seq)).toEqual([1]);
  });

  it('keeps its place behind a record appended before it', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, laterMs: 60_000 });
    const first = sink.append(outcome(1));
    const second = sink.appendLater(outcome(2));
    await Promise.all([first, second]);
    expect(records(path).map((r) => r.statement_seq)).toEqual([1, 2]);
    await sink.close();
  });
});
