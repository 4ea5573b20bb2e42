import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileAuditSink } from '../../src/audit/file-sink';
import { verifyAuditFiles } from '../../src/audit/verify-files';
import { silent, tempDirs } from './audit-test-kit';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const ROOT = resolve(__dirname, '../../../..');
const CHILD = join(__dirname, 'fixtures', 'sink-child.ts');

/** Runs TypeScript in a plain node child: swc compiles each .ts on require; workspace packages map to src. */
const LOADER = `
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const swc = require(${JSON.stringify(join(ROOT, 'node_modules/@swc/core'))});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@gatehouse\\/([a-z-]+)$/.exec(request);
  if (m) return path.join(${JSON.stringify(ROOT)}, 'packages', m[1], 'src', 'index.ts');
  return resolveFilename.call(this, request, ...rest);
};
Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(process.argv[1]);
`;

/** Starts the child, waits for `acks` acknowledged writes, SIGKILLs it; returns every ack it printed. */
function runAndKill(path: string, durability: 'write' | 'fsync', acks: number): Promise<Set<string>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', LOADER, CHILD, path, durability], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Set<string>();
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.add(line.slice(4));
      if (acked.size >= acks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') fail(new Error(`child exited ${code}: ${stderr}`));
      else done(acked);
    });
  });
}

describe('FileAuditSink under SIGKILL', () => {
  it.each(['write', 'fsync'] as const)(
    'keeps every acknowledged record, and the chain recovers (%s)',
    async (durability) => {
      const path = join(dirs.make(), 'audit.jsonl');
      const acked = await runAndKill(path, durability, 3000);
      expect(acked.size).toBeGreaterThanOrEqual(3000);

      // Every write the child saw acknowledged is a complete record in the file.
      const before = await verifyAuditFiles([path]);
      expect(before.ok || before.break?.kind === 'truncated').toBe(true);
      const complete = readFileSync(path, 'utf8').split('\n').slice(0, -1);
      const inFile = new Set(
        complete.map((line) => {
          const r = JSON.parse(line) as { session_id: string; statement_seq: number };
          return `${r.session_id}/${r.statement_seq}`;
        }),
      );
      expect([...acked].filter((id) => !inFile.has(id))).toEqual([]);

      // A restart continues the chain (a torn last line gets chain.recovered) and it verifies.
      const sink = await FileAuditSink.open({ path, logger: silent });
      await sink.close();
      const after = await verifyAuditFiles([path]);
      expect(after).toMatchObject({ ok: true });
      expect(after.records).toBeGreaterThanOrEqual(acked.size);
    },
    60_000,
  );
});
