import { closeSync, existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { verifyAuditFiles } from '../../src/audit/verify-files';
import { capturingLogger, openDescriptors, outcome, records, silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

// Tests run as root, where permissions do not stop writes: faults come from /dev/full
// (every write fails with ENOSPC) and from closing the sink's descriptor underneath it.
const hasDevFull = existsSync('/dev/full');

describe('FileAuditSink when the file cannot be written', () => {
  (hasDevFull ? it : it.skip)(
    'rejects every write on a full disk, reports unhealthy, and recovers once writes work',
    async () => {
      const dir = dirs.make();
      const path = join(dir, 'audit.jsonl');
      symlinkSync('/dev/full', path);
      const { logger, records: logs } = capturingLogger();
      const sink = await FileAuditSink.open({ path, logger });
      expect(sink.healthy).toBe(true);

      const results = await Promise.allSettled([
        sink.write(outcome(1)),
        sink.write(outcome(2)),
        sink.write(outcome(3)),
      ]);
      for (const r of results) {
        expect(r).toMatchObject({
          status: 'rejected',
          reason: { code: 'audit_unavailable', cause: { code: 'ENOSPC' } },
        });
      }
      expect(sink.healthy).toBe(false);
      await expect(sink.write(outcome(4))).rejects.toMatchObject({ code: 'audit_unavailable' });
      expect(logs.filter((l) => l.level === 50)).toHaveLength(1);

      // Space again: the path now leads to a writable file; the next write reopens it.
      rmSync(path);
      writeFileSync(path, '');
      await sink.write(outcome(5));
      expect(sink.healthy).toBe(true);
      expect(logs.some((l) => l.msg === 'audit file writable again; sink healthy')).toBe(true);
      await sink.close();
      expect(records(path).map((r) => [r.seq, r.statement_seq])).toEqual([[1, 5]]);
    },
  );

  it('fails writes whose descriptor was closed underneath, then reopens and continues the chain', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent });
    for (let i = 1; i <= 3; i++) await sink.write(outcome(i));
    const fds = openDescriptors(path);
    expect(fds).toHaveLength(1);
    closeSync(fds[0] as number);

    await expect(sink.write(outcome(4))).rejects.toMatchObject({
      code: 'audit_unavailable',
      cause: { code: 'EBADF' },
    });
    expect(sink.healthy).toBe(false);
    await sink.write(outcome(5));
    expect(sink.healthy).toBe(true);
    await sink.close();

    expect(records(path).map((r) => [r.seq, r.statement_seq])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 5],
    ]);
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 4 });
  });

  (hasDevFull ? it : it.skip)('in fsync durability also rejects, and close still resolves', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    symlinkSync('/dev/full', path);
    const sink = await FileAuditSink.open({ path, logger: silent, durability: 'fsync' });
    await expect(sink.write(outcome(1))).rejects.toMatchObject({ cause: { code: 'ENOSPC' } });
    expect(sink.healthy).toBe(false);
    await sink.close();
  });

  it('cannot open where the file cannot be created', async () => {
    const dir = dirs.make();
    writeFileSync(join(dir, 'not-a-dir'), '');
    await expect(
      FileAuditSink.open({ path: join(dir, 'not-a-dir', 'audit.jsonl'), logger: silent }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/EEXIST|ENOTDIR/),
    });
  });
});
