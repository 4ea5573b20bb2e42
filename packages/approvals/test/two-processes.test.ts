import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FinalDecision } from '../src';
import { DBA_BOB, REDIS_URL, closeAll, deleteKeys, newService, uniquePrefix } from './helpers';

describe('two gateway processes sharing one Redis', () => {
  const prefix = uniquePrefix();

  afterAll(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('a statement held in one process is released by an approval through another', async () => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(__dirname, 'fixtures', 'ts-register.cjs'),
        join(__dirname, 'fixtures', 'holder-process.ts'),
      ],
      {
        env: { ...process.env, REDIS_URL, APPROVALS_PREFIX: prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines = createInterface({ input: child.stdout });
    const output = lines[Symbol.asyncIterator]();

    const first = await output.next();
    const id = /^created (apr_\w+)$/.exec(String(first.value))?.[1];
    expect(id).toBeDefined();

    const api = newService(prefix, { instanceId: 'api-process', runWorkers: false });
    await api.start();
    expect((await api.get(id as string)).holder.instance).toMatch(/^holder-\d+$/);
    await api.approve(id as string, { ...DBA_BOB, reason: 'approved from the other process' });

    const second = await output.next();
    const decision = JSON.parse(String(second.value).replace(/^decision /, '')) as FinalDecision;
    expect(decision).toMatchObject({
      id,
      status: 'approved',
      by: 'bob',
      reason: 'approved from the other process',
    });
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
