import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../src/testing/free-port';
import { childPids, direct, readThrough } from './worker-kit';
import { selfSignedCert, type TestCertificate } from '../src/testing/self-signed-cert';
import { tempDir } from '../src/testing/test-support';
import { exited, spawnGateway, waitForOutput } from './audit/ts-child';

/**
 * `gatehouse start` with two workers (from the sources). A worker the
 * supervisor restarts runs the config the primary validated, not whatever
 * the file holds now: after the file is edited (without a reload) or broken,
 * and every worker is killed, the restarted workers serve with the old rules.
 */
const TOKEN = `worker-restart-${process.pid}-${Date.now()}`;
const TABLE = `gh_worker_restart_${process.pid}`;

describe('a restarted worker runs the primary config, not the file', () => {
  const tmp = tempDir('gh-worker-restart-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  let gateway: { child: ChildProcess; output: () => string };
  let pgPort: number;
  let controlPort: number;
  let cert: TestCertificate;

  const configText = (reads: 'allow' | 'deny') => `workers: 2
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort}, tls: { cert: ${cert.certPath}, key: ${cert.keyPath} } } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops] }
identity:
  service_tokens: [ { name: restart-test, sha256: "${createHash('sha256').update(TOKEN).digest('hex')}", groups: [ops] } ]
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

  /** How many times a worker said its listener is ready. */
  const readyLines = (): number => gateway.output().split('"msg":"postgres listener ready"').length - 1;

  /** Kills every worker and waits until two new ones serve connections again. */
  const killWorkers = async (meanwhile?: () => Promise<void>): Promise<void> => {
    const before = workerPids();
    expect(before).toHaveLength(2);
    const ready = readyLines();
    for (const pid of before) process.kill(pid, 'SIGKILL');
    await meanwhile?.();
    const deadline = Date.now() + 45_000;
    for (;;) {
      const now = workerPids();
      if (now.length === 2 && now.every((pid) => !before.includes(pid)) && readyLines() >= ready + 2) break;
      if (gateway.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the workers did not come back:\n${gateway.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Enough new connections that both workers (dealt round-robin) answer. */
  const reads = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < 6; i++) out.push(await read());
    return out;
  };

  beforeAll(async () => {
    await direct(`drop table if exists ${TABLE}; create table ${TABLE} (id int)`);
    pgPort = await freePort();
    controlPort = await freePort();
    cert = selfSignedCert(tmp.dir);
    writeFileSync(file, configText('allow'));
    gateway = spawnGateway(file);
    await waitForOutput(gateway.output, 'workers ready');
  }, 60_000);

  afterAll(async () => {
    if (gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await exited(gateway.child);
    }
    await direct(`drop table if exists ${TABLE}`);
    tmp.cleanup();
  });

  it('serves with the validated rules after the file changed without a reload', async () => {
    expect(await reads()).toEqual(Array(6).fill('ok'));
    // A valid file that would deny every read, not reloaded: nothing may change.
    writeFileSync(file, configText('deny'));
    await killWorkers();
    expect(await reads()).toEqual(Array(6).fill('ok'));
  }, 90_000);

  it('serves with the validated rules when the file is broken', async () => {
    writeFileSync(file, 'policy: { rules: [ { id: broken\n');
    await killWorkers();
    expect(await reads()).toEqual(Array(6).fill('ok'));
    expect(gateway.output()).not.toContain('worker restart failed');
  }, 90_000);

  it('a restart that fails is tried again until the worker starts', async () => {
    // The listener's key is gone: restarted workers cannot start their listener.
    renameSync(cert.keyPath, `${cert.keyPath}.away`);
    await killWorkers(async () => {
      const failures = () => gateway.output().split('worker restart failed; trying again').length - 1;
      while (failures() < 2) {
        if (gateway.child.exitCode !== null) throw new Error(`the gateway exited:\n${gateway.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      renameSync(`${cert.keyPath}.away`, cert.keyPath);
    });
    expect(await reads()).toEqual(Array(6).fill('ok'));
  }, 90_000);

  it('a reload of the broken file is refused and the workers keep their rules; SIGTERM exits', async () => {
    gateway.child.kill('SIGHUP');
    await waitForOutput(gateway.output, 'configuration reload failed');
    expect(await reads()).toEqual(Array(6).fill('ok'));
    gateway.child.kill('SIGTERM');
    expect(await exited(gateway.child)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
