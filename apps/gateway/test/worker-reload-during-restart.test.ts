import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKER_START_GATE_ENV } from '../src/runtime/worker-start-gate';
import { freePort } from '../src/testing/free-port';
import { childPids, direct, readThrough } from './worker-kit';
import { tempDir } from '../src/testing/test-support';
import { exited, spawnGateway, waitForOutput } from './audit/ts-child';

/**
 * `gatehouse start` with two workers (from the sources). A reload that
 * happens while a worker restarts reaches that worker too: one that already
 * holds the old config when the reload is broadcast (held there by the test
 * gate) and one that is dead when it is. The primary counts the restarted
 * worker as enforcing the new rules only once it does, and every connection
 * afterwards gets the new rules.
 */
const TOKEN = `worker-reload-restart-${process.pid}-${Date.now()}`;
const TABLE = `gh_worker_reload_restart_${process.pid}`;

describe('a reload while a worker restarts', () => {
  const tmp = tempDir('gh-worker-reload-restart-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  /** Present: workers start at once; absent: a starting worker waits after it got its config. */
  const gate = join(tmp.dir, 'start-gate');
  let gateway: { child: ChildProcess; output: () => string };
  let pgPort: number;
  let controlPort: number;

  const configText = (reads: 'allow' | 'deny') => `workers: 2
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops] }
identity:
  service_tokens: [ { name: reload-restart-test, sha256: "${createHash('sha256').update(TOKEN).digest('hex')}", groups: [ops] } ]
targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ./audit.jsonl }
policy:
  rules:
    - { id: guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: reads-${reads}, when: { kinds: [read] }, action: ${reads} }
`;

  const workerPids = (): number[] => childPids(gateway.child.pid);
  const read = (): Promise<string> => readThrough(pgPort, TOKEN, TABLE);

  /** Enough new connections that both workers (dealt round-robin) answer. */
  const reads = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < 8; i++) out.push(await read());
    return out;
  };

  const count = (text: string): number => gateway.output().split(text).length - 1;
  const waitFor = async (what: string, done: () => boolean): Promise<void> => {
    const deadline = Date.now() + 45_000;
    while (!done()) {
      if (gateway.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${what} did not happen:\n${gateway.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** `policy.reloaded` records in one worker's audit chain. */
  const reloadRecords = (workerId: number): number => {
    const chain = join(tmp.dir, `audit.w${workerId}.jsonl`);
    return existsSync(chain) ? readFileSync(chain, 'utf8').split('"policy.reloaded"').length - 1 : 0;
  };
  const RELOADED = '"msg":"configuration reloaded"';
  const LAGGING = 'not every worker enforces the new rules';
  const READY = '"msg":"postgres listener ready"';

  /**
   * Kills one worker, rewrites the file and sends SIGHUP while the new
   * worker starts (`held`: the gate holds it after it got its config, and
   * opens once the surviving worker applied the reload), then waits for the
   * reload's outcome and both workers serving.
   */
  const reloadDuringRestart = async (reads: 'allow' | 'deny', held: boolean): Promise<void> => {
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    const from = gateway.output().length;
    const died = count('worker died; starting a new one');
    const reloaded = count(RELOADED);
    const ready = count(READY);
    const heldLines = count('worker start held by the test gate');
    if (held) rmSync(gate);
    process.kill(pids[0]!, 'SIGKILL');
    await waitFor('the primary noticing the death', () => count('worker died; starting a new one') > died);
    const dead = Number(
      /"workerId":(\d+)[^\n]*worker died; starting a new one[^\n]*\n?$/.exec(gateway.output())?.[1],
    );
    const survivor = dead === 1 ? 2 : 1;
    const survivorRecords = reloadRecords(survivor);
    if (held)
      await waitFor(
        'the new worker holding its config',
        () => count('worker start held by the test gate') > heldLines,
      );
    writeFileSync(file, configText(reads));
    gateway.child.kill('SIGHUP');
    if (held) {
      await waitFor(
        'the surviving worker applying the reload',
        () => reloadRecords(survivor) > survivorRecords,
      );
      writeFileSync(gate, '');
    }
    await waitFor('the reload', () => count(RELOADED) > reloaded);
    await waitFor('the restarted worker', () => count(READY) > ready && workerPids().length === 2);
    expect(gateway.output().slice(from)).not.toContain(LAGGING);
    expect(gateway.output().slice(from)).not.toContain('did not answer');
  };

  beforeAll(async () => {
    await direct(`drop table if exists ${TABLE}; create table ${TABLE} (id int)`);
    pgPort = await freePort();
    controlPort = await freePort();
    writeFileSync(file, configText('allow'));
    writeFileSync(gate, '');
    process.env[WORKER_START_GATE_ENV] = gate;
    gateway = spawnGateway(file);
    await waitForOutput(gateway.output, 'workers ready');
  }, 60_000);

  afterAll(async () => {
    delete process.env[WORKER_START_GATE_ENV];
    if (gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await exited(gateway.child);
    }
    await direct(`drop table if exists ${TABLE}`);
    tmp.cleanup();
  });

  it('reaches a worker that got the old config and has not started yet', async () => {
    expect(await reads()).toEqual(Array(8).fill('ok'));
    await reloadDuringRestart('deny', true);
    expect(await reads()).toEqual(Array(8).fill('42501'));
  }, 90_000);

  it('reaches a worker that is dead when the reload is broadcast', async () => {
    await reloadDuringRestart('allow', false);
    expect(await reads()).toEqual(Array(8).fill('ok'));
  }, 90_000);

  it('SIGTERM exits', async () => {
    gateway.child.kill('SIGTERM');
    expect(await exited(gateway.child)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
