import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionHandle, SessionInfo } from '@gatehouse/sql-core';
import { runCli } from '../src/cli';
import { startCommand } from '../src/cli/start';
import type { EngineListener, GatewayServices, StartEngineListeners } from '../src/runtime';
import { startGateway } from '../src/runtime';
import { freePort } from '../src/testing/free-port';
import { memoryIo } from '../src/testing/memory-io';
import { memoryLogger, tempDir } from '../src/testing/test-support';

function configText(controlPort: number, admins: string, extra = '', plaintextLoopback = true): string {
  return `
control: { port: ${controlPort}, admins: [${admins}] }
identity:
  allow_plaintext_loopback: ${plaintextLoopback}
  issuers: [ { issuer: gatehouse-dev, dev: true, audience: gatehouse, key_dir: ./keys } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: 5432, database: test }, logins: [ { user: postgres } ] }
limits: { shutdown_grace: 2s }
${extra}`;
}

/** A stand-in engine listener: records what the gateway asks of it. */
function recordingListener() {
  const calls: string[] = [];
  let services!: GatewayServices;
  let onReload: (() => void) | null = null;
  let stopGate: Promise<void> = Promise.resolve();
  const start: StartEngineListeners = async (s) => {
    services = s;
    const listener: EngineListener = {
      name: 'recording',
      stop: async (deadline) => {
        calls.push(`stop ${deadline}`);
        await stopGate;
      },
      reload: (config) => {
        calls.push(`reload admins=${config.control.admins.join(',')}`);
        onReload?.();
      },
    };
    return [listener];
  };
  return {
    start,
    calls,
    services: () => services,
    nextReload: () => new Promise<void>((resolve) => (onReload = resolve)),
    holdStop: () => {
      let release!: () => void;
      stopGate = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}

async function get(port: number, path: string, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.json() };
}

async function devToken(dir: string, groups: string): Promise<string> {
  const io = memoryIo(dir);
  expect(await runCli(['token', '--config', 'gatehouse.yaml', '--sub', 'alice', '--groups', groups], io)).toBe(0);
  return io.out.trim();
}

describe('gatehouse start', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('serves the control API, reloads on SIGHUP and stops on SIGTERM', async () => {
    const port = await freePort();
    const file = join(tmp.dir, 'gatehouse.yaml');
    writeFileSync(file, configText(port, 'dba'));
    const listener = recordingListener();
    const log = memoryLogger();
    const io = memoryIo(tmp.dir);
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const exit = startCommand(['--config', file], io, {
      logger: log.logger,
      startListeners: async (s) => {
        const result = await listener.start(s);
        started();
        return result;
      },
    });
    await ready;

    // start created the dev issuer key, so `token` signs with the key the gateway trusts.
    expect(existsSync(join(tmp.dir, 'keys', 'private-key.jwk.json'))).toBe(true);
    const token = await devToken(tmp.dir, 'dba');
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(port, '/v1/sessions', token)).toEqual({ status: 200, body: { sessions: [] } });

    const services = listener.services();
    expect(services.targets.resolve('local/other', 'postgres')).toEqual({
      target: { name: 'local', engine: 'postgres', environment: 'development' },
      database: 'other',
    });
    expect((await services.verifier.verify(token)).subject).toBe('alice');

    writeFileSync(file, configText(port, 'ops'));
    const reloaded = listener.nextReload();
    io.signal('SIGHUP');
    await reloaded;
    expect(services.config().control.admins).toEqual(['ops']);
    expect((await get(port, '/v1/sessions', token)).status).toBe(403);

    io.signal('SIGTERM');
    expect(await exit).toBe(0);
    expect(listener.calls).toEqual(['reload admins=ops', 'stop 2000']);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(io.err).toBe('');
  });

  it('exits 1 with the problems when the config is invalid', async () => {
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), configText(70000, 'dba'));
    const io = memoryIo(tmp.dir);
    expect(await startCommand([], io, { logger: memoryLogger().logger })).toBe(1);
    expect(io.err).toContain('control.port: expected a port number 1-65535, got 70000');
  });
});

describe('startGateway', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  function session(id: string, ended: string[]): SessionHandle {
    const info = { id } as SessionInfo;
    return { id, info: () => info, terminate: (reason) => void ended.push(`${id}: ${reason}`) };
  }

  it('keeps the running config when the new one is invalid, and names what needs a restart', async () => {
    const port = await freePort();
    const file = join(tmp.dir, 'gatehouse.yaml');
    writeFileSync(file, configText(port, 'dba'));
    const listener = recordingListener();
    const gateway = await startGateway({ configFile: file, logger: memoryLogger().logger, startListeners: listener.start });
    const ended: string[] = [];
    gateway.sessions.add(session('ses_keep', ended));
    try {
      writeFileSync(file, configText(port, 'dba', 'workers: lots'));
      const bad = await gateway.reload();
      expect(bad).toEqual({
        applied: false,
        reason: expect.stringContaining('workers: expected auto or a number of worker processes 1-1024'),
        issues: ['workers: expected auto or a number of worker processes 1-1024, got "lots"'],
      });
      expect(gateway.config().workers).toBe('auto');

      const otherPort = await freePort();
      writeFileSync(file, configText(otherPort, 'ops', '', false));
      const good = await gateway.reload();
      expect(good).toEqual({
        applied: true,
        needsRestart: ['control.port', 'identity.allow_plaintext_loopback'],
        policy: expect.objectContaining({ changed: false, added: [], removed: [], modified: [] }),
        workers: [],
      });
      expect(gateway.config().control.admins).toEqual(['ops']);
      // The control API stays where it was bound.
      expect((await get(port, '/healthz')).status).toBe(200);
      // Reload never drops sessions.
      expect(gateway.sessions.get('ses_keep')).toBeDefined();
      expect(ended).toEqual([]);
    } finally {
      await gateway.stop();
    }
    expect(ended).toEqual(['ses_keep: the gateway is shutting down']);
  });

  it('answers /readyz 503 draining while listeners drain', async () => {
    const port = await freePort();
    const file = join(tmp.dir, 'gatehouse.yaml');
    writeFileSync(file, configText(port, 'dba'));
    const listener = recordingListener();
    const gateway = await startGateway({ configFile: file, logger: memoryLogger().logger, startListeners: listener.start });
    expect(await get(port, '/readyz')).toEqual({ status: 200, body: { status: 'ready', targets: [{ name: 'local', reachable: true }] } });
    const release = listener.holdStop();
    const stopped = gateway.stop();
    expect(await get(port, '/readyz')).toEqual({ status: 503, body: { status: 'draining', targets: [] } });
    expect(gateway.stop()).toBe(stopped);
    release();
    await stopped;
    expect(listener.calls).toEqual(['stop 2000']);
  });

  it('closes the control API when a listener fails to start', async () => {
    const port = await freePort();
    const file = join(tmp.dir, 'gatehouse.yaml');
    writeFileSync(file, configText(port, 'dba'));
    await expect(
      startGateway({
        configFile: file,
        logger: memoryLogger().logger,
        startListeners: async () => {
          throw new Error('listen EADDRINUSE 127.0.0.1:15432');
        },
      }),
    ).rejects.toThrow('EADDRINUSE');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
