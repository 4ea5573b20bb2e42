import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { verifyAuditFiles } from '../../src/audit/verify-files';
import { auditFiles, outcome, records, silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

let tick = 0;
/** A clock that moves 1 s per call, so rotated names differ even within one millisecond. */
const clock = (): Date => new Date(Date.UTC(2026, 0, 2) + 1000 * ++tick);

describe('FileAuditSink across rotations and restarts', () => {
  it('rotates at the configured size and chains each new file to the last record of the old one', async () => {
    const dir = dirs.make();
    const path = join(dir, 'audit.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, rotateBytes: 2000, clock });
    for (let i = 1; i <= 60; i++) await sink.write(outcome(i));
    const rotations = sink.stats.rotations;
    await sink.close();

    const files = auditFiles(dir);
    expect(rotations).toBeGreaterThanOrEqual(5);
    expect(files).toHaveLength(rotations + 1);
    const rotated = files.filter((f) => f !== path);
    for (const f of rotated) expect(basename(f)).toMatch(/^audit-\d{8}T\d{9}Z-\d{12}\.jsonl$/);

    // Each file after the first opens with chain.rotated naming its predecessor; seq runs on.
    const ordered = [...rotated, path];
    for (let i = 1; i < ordered.length; i++) {
      const first = records(ordered[i] as string)[0];
      const previous = records(ordered[i - 1] as string).at(-1);
      expect(first).toMatchObject({
        type: 'chain.rotated',
        rotated_from: basename(ordered[i - 1] as string),
        seq: Number(previous?.seq) + 1,
      });
    }
    // Files given in any order verify as one chain: 60 events plus one chain.rotated per rotation.
    const result = await verifyAuditFiles([path, ...rotated.reverse()]);
    expect(result).toMatchObject({ ok: true, records: 60 + rotations, files: rotations + 1 });
    expect(result.order).toEqual(ordered);
    // Leaving a middle file out is a removal.
    const gap = await verifyAuditFiles(ordered.filter((_f, i) => i !== 2));
    expect(gap.break).toMatchObject({ kind: 'removed', file: ordered[3] });
  });

  it('writes on to the live file when a rotation fails, and rotates later', async () => {
    const dir = dirs.make();
    const path = join(dir, 'audit.jsonl');
    const fixed = (): Date => new Date(Date.UTC(2026, 0, 2));
    // The first rotation (after record 2) would need this name: a file already has it.
    const taken = join(dir, 'audit-20260102T000000000Z-000000000002.jsonl');
    const sink = await FileAuditSink.open({ path, logger: silent, rotateBytes: 500, clock: fixed });
    writeFileSync(taken, 'not ours\n');
    for (let i = 1; i <= 8; i++) await sink.write(outcome(i));
    expect(sink.healthy).toBe(true);
    expect(sink.stats.rotations).toBeGreaterThanOrEqual(1);
    await sink.close();

    expect(readFileSync(taken, 'utf8')).toBe('not ours\n');
    const ours = auditFiles(dir).filter((f) => f !== taken);
    expect(await verifyAuditFiles(ours)).toMatchObject({ ok: true, records: 8 + sink.stats.rotations });
    expect(records(ours[0] as string).length).toBeGreaterThan(2);
  });

  it('continues the chain from the existing file after a restart', async () => {
    const path = join(dirs.make(), 'audit.jsonl');
    const first = await FileAuditSink.open({ path, logger: silent });
    for (let i = 1; i <= 5; i++) await first.write(outcome(i));
    const head = first.head;
    await first.close();

    const second = await FileAuditSink.open({ path, logger: silent });
    expect(second.head).toEqual(head);
    for (let i = 6; i <= 8; i++) await second.write(outcome(i));
    await second.close();

    expect(records(path).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 8 });
  });

  it('continues from the newest rotated file when a crash came between the rename and the new file', async () => {
    const dir = dirs.make();
    const path = join(dir, 'audit.jsonl');
    const first = await FileAuditSink.open({ path, logger: silent });
    for (let i = 1; i <= 3; i++) await first.write(outcome(i));
    await first.close();
    const rotatedName = 'audit-20260102T000000000Z-000000000003.jsonl';
    renameSync(path, join(dir, rotatedName));

    const second = await FileAuditSink.open({ path, logger: silent });
    await second.write(outcome(4));
    await second.close();

    expect(records(path).map((r) => [r.seq, r.type, r.rotated_from])).toEqual([
      [4, 'chain.rotated', rotatedName],
      [5, 'statement.outcome', undefined],
    ]);
    expect(await verifyAuditFiles(auditFiles(dir))).toMatchObject({ ok: true, records: 5 });
  });

  describe('a torn last line (crash mid-write)', () => {
    async function tornFile(): Promise<{ path: string; torn: string }> {
      const path = join(dirs.make(), 'audit.jsonl');
      const sink = await FileAuditSink.open({ path, logger: silent });
      for (let i = 1; i <= 4; i++) await sink.write(outcome(i));
      await sink.close();
      const torn = '{"seq":5,"prev":"3f2a9';
      appendFileSync(path, torn);
      return { path, torn };
    }

    it('is reported by verify as truncated until the gateway restarts', async () => {
      const { path } = await tornFile();
      const result = await verifyAuditFiles([path]);
      expect(result.break).toMatchObject({ kind: 'truncated', file: path, line: 5, seq: null });
      expect(result.break?.reason).toMatch(/ends with 22 bytes that are not a complete record/);
    });

    it('is kept out of the chain on restart with a chain.recovered record', async () => {
      const { path, torn } = await tornFile();
      const sink = await FileAuditSink.open({ path, logger: silent });
      expect(sink.head.seq).toBe(5);
      await sink.write(outcome(5));
      await sink.close();

      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines[4]).toBe(torn);
      expect(JSON.parse(lines[5] as string)).toMatchObject({
        seq: 5,
        type: 'chain.recovered',
        torn_bytes: torn.length + 1,
      });
      expect(JSON.parse(lines[6] as string)).toMatchObject({ seq: 6, type: 'statement.outcome' });
      const result = await verifyAuditFiles([path]);
      expect(result).toMatchObject({
        ok: true,
        records: 6,
        recovered: [{ file: path, line: 5, lines: 1, bytes: torn.length + 1 }],
      });
    });

    it('refuses to bury an edited last record as a torn one', async () => {
      const { path } = await tornFile();
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace('"rows_returned":4', '"rows_returned": 4'));
      await expect(FileAuditSink.open({ path, logger: silent })).rejects.toThrow(
        /not a record Gatehouse wrote/,
      );
    });
  });
});
