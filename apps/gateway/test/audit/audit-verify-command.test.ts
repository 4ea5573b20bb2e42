import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { verifyAuditFiles } from '../../src/audit/verify-files';
import { auditVerifyCommand } from '../../src/cli/audit-verify';
import { auditFiles, outcome, silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await auditVerifyCommand(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** A live file of `n` records (and rotated ones, when `rotateBytes` is small). */
async function writeChain(
  n: number,
  rotateBytes: number | null = null,
): Promise<{ dir: string; path: string; head: { seq: number; hash: string } }> {
  const dir = dirs.make();
  const path = join(dir, 'audit.jsonl');
  let t = 0;
  const sink = await FileAuditSink.open({
    path,
    logger: silent,
    rotateBytes,
    clock: () => new Date(Date.UTC(2026, 0, 1) + 1000 * ++t),
  });
  for (let i = 1; i <= n; i++) await sink.write(outcome(i));
  const head = sink.head;
  await sink.close();
  return { dir, path, head };
}

function editLine(path: string, lineNo: number, edit: (line: string) => string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[lineNo - 1] = edit(lines[lineNo - 1] as string);
  writeFileSync(path, lines.join('\n'));
}

function dropLine(path: string, lineNo: number): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.splice(lineNo - 1, 1);
  writeFileSync(path, lines.join('\n'));
}

describe('gatehouse audit verify', () => {
  it('exits 0 for an intact chain and prints the count and head', async () => {
    const { path, head } = await writeChain(5);
    const { code, out } = await run([path]);
    expect(code).toBe(0);
    expect(out).toContain('audit chain intact: 5 records in 1 file, seq 1..5');
    expect(out).toContain(`head: seq 5 sha256 ${head.hash} (${path}:5)`);
    expect(out).toContain(`--expect-head 5:${head.hash}`);
  });

  it('verifies rotated files given in any order as one chain', async () => {
    const { dir } = await writeChain(40, 1500);
    const files = auditFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    const { code, out } = await run([...files].reverse());
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`in ${files.length} files, seq 1\\.\\.`));
  });

  it('names an edited record', async () => {
    const { path } = await writeChain(5);
    editLine(path, 3, (l) => l.replace('"rows_returned":3', '"rows_returned":30'));
    const { code, out } = await run([path]);
    expect(code).toBe(1);
    expect(out).toContain(`audit chain BROKEN: edited at ${path} line 3 (seq 3)`);
    expect(out).toContain(
      `record seq 3 was changed after it was written: its SHA-256 does not match the prev of seq 4 (${path}:4)`,
    );
    expect(out).toContain('verified before the break: 2 records, last good seq 2');
  });

  it('names a removed record', async () => {
    const { path } = await writeChain(5);
    dropLine(path, 2);
    const { code, out } = await run([path]);
    expect(code).toBe(1);
    expect(out).toContain(`audit chain BROKEN: removed at ${path} line 2 (seq 3)`);
    expect(out).toContain('record 2 is missing');
  });

  it('names reordered records', async () => {
    const { path } = await writeChain(5);
    const lines = readFileSync(path, 'utf8').split('\n');
    [lines[1], lines[2]] = [lines[2] as string, lines[1] as string];
    writeFileSync(path, lines.join('\n'));
    const { code, out } = await run([path]);
    expect(code).toBe(1);
    expect(out).toContain(`audit chain BROKEN: reordered at ${path} line 2 (seq 3)`);
    expect(out).toContain(`seq 2 turns up later (${path}:3)`);
  });

  it('names a truncated last line, and a cut tail when given the expected head', async () => {
    const { path, head } = await writeChain(5);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, -30));
    const torn = await run([path]);
    expect(torn.code).toBe(1);
    expect(torn.out).toContain(`audit chain BROKEN: truncated at ${path} line 5`);

    const lines = text.split('\n');
    writeFileSync(path, `${lines.slice(0, 3).join('\n')}\n`);
    expect((await run([path])).code).toBe(0);
    const cut = await run(['--expect-head', `${head.seq}:${head.hash}`, path]);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain(`audit chain BROKEN: truncated at ${path} line 3 (seq 3)`);
    expect(cut.out).toContain('the chain ends at seq 3, before the expected head seq 5');
  });

  it('accepts an expected head that is in the chain', async () => {
    const { path, head } = await writeChain(5);
    const { code, out } = await run([`--expect-head=${head.hash}`, path]);
    expect(code).toBe(0);
    expect(out).toContain('expected head found at seq 5');
  });

  it('prints JSON on request', async () => {
    const { path } = await writeChain(2);
    const { code, out } = await run(['--json', path]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, records: 2, order: [path], break: null });
  });

  it.each([
    [[], /name at least one audit file/],
    [['--expect-head', 'nothex', 'f'], /--expect-head needs a SHA-256/],
    [['--frobnicate', 'f'], /unknown option --frobnicate/],
  ])('exits 2 on a usage error %j', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('exits 2 when a file cannot be read', async () => {
    const missing = join(dirs.make(), 'nope.jsonl');
    const { code, err } = await run([missing]);
    expect(code).toBe(2);
    expect(err).toContain(`cannot read ${missing}`);
  });
});

describe('verifyAuditFiles', () => {
  it.each([1, 7, 64])('reads lines split across reads of %i bytes', async (chunkBytes) => {
    const { path, head } = await writeChain(6);
    expect(await verifyAuditFiles([path], { chunkBytes })).toMatchObject({
      ok: true,
      records: 6,
      head: { hash: head.hash },
    });
    editLine(path, 4, (l) => l.replace('"rows_returned":4', '"rows_returned":5'));
    expect((await verifyAuditFiles([path], { chunkBytes })).break).toMatchObject({
      kind: 'edited',
      line: 4,
      seq: 4,
    });
  });
});
