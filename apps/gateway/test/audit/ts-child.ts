import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');

/**
 * Runs a TypeScript entry point in a plain node child, without a build: swc
 * compiles each .ts as it is required; workspace packages map to their src.
 */
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

/** `gatehouse start --config FILE` from the sources, in a child process; output collected in `output()`. */
export function spawnGateway(configFile: string): { child: ChildProcess; output: () => string } {
  const main = join(__dirname, '../../src/main.ts');
  const child = spawn(process.execPath, ['-e', LOADER, main, 'start', '--config', configFile], {
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Waits until the child's output contains `text`; fails with the output otherwise. */
export async function waitForOutput(output: () => string, text: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`child did not say "${text}":\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
