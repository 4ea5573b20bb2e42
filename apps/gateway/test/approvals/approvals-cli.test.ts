import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { approvalsCommand } from '../../src/cli/approvals';
import { controlUrl, resolveEndpoint } from '../../src/cli/approvals-client';
import { freePort } from '../../src/testing/free-port';
import { memoryIo } from '../../src/testing/memory-io';
import { tempDir } from '../../src/testing/test-support';
import { gatewayConfig } from './approvals-kit';

/** The CLI's own checks, before any call: usage, the control address, the token. (Calls are in approvals-flow.test.ts.) */
describe('gatehouse approvals (command line)', () => {
  const tmp = tempDir('gh-approvals-cli-');
  afterAll(() => tmp.cleanup());

  const run = async (args: string[], env: NodeJS.ProcessEnv = { GATEHOUSE_TOKEN: 't' }) => {
    const io = memoryIo(tmp.dir, env);
    const code = await approvalsCommand(args, io);
    return { code, out: io.out, err: io.err };
  };

  it.each([
    [[], 'missing approvals subcommand'],
    [['approvals'], 'unknown approvals subcommand "approvals"'],
    [['list', 'apr_x'], 'list takes no id'],
    [['approve'], 'approve takes one approval id (apr_...)'],
    [['approve', 'a', 'b'], 'approve takes one approval id (apr_...)'],
    [['deny', 'apr_01JD3Z8Q6W5B2V4K9M7N1P0R3S'], 'deny needs --reason'],
    [['deny', 'apr_01JD3Z8Q6W5B2V4K9M7N1P0R3S', '--reason', '  '], 'deny needs --reason'],
    [
      ['list', '--status', 'maybe'],
      '--status: expected one of pending, approved, denied, expired, withdrawn, got "maybe"',
    ],
    [['list', '--limit', '0'], '--limit: expected a whole number from 1 to 500, got "0"'],
    [['list', '--colour'], "Unknown option '--colour'"],
  ])('%j is a usage error', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain('usage: gatehouse approvals list');
  });

  it('needs a token, from --token or GATEHOUSE_TOKEN', async () => {
    const r = await run(['list', '--url', 'http://127.0.0.1:1'], {});
    expect(r).toEqual({
      code: 2,
      out: '',
      err: "no token: pass --token TOKEN or set GATEHOUSE_TOKEN (an approver's or admin's token)\n",
    });
  });

  it('needs a control address when there is no config file', async () => {
    const r = await run(['list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'no control API address: pass --url http://host:port, set GATEHOUSE_URL, or pass --config FILE',
    );
  });

  it('reads the control address from the config file', async () => {
    const file = join(tmp.dir, 'gatehouse.yaml');
    writeFileSync(
      file,
      gatewayConfig({ pgPort: 15999, controlPort: 18480, auditFile: join(tmp.dir, 'audit.jsonl') }),
    );
    expect(resolveEndpoint({ url: undefined, token: 'x', configFile: file, env: {} })).toEqual({
      baseUrl: 'http://127.0.0.1:18480',
      token: 'x',
    });
    expect(
      resolveEndpoint({
        url: undefined,
        token: undefined,
        configFile: file,
        env: { GATEHOUSE_TOKEN: 'y', GATEHOUSE_URL: 'https://gh.example.com/' },
      }),
    ).toEqual({
      baseUrl: 'https://gh.example.com',
      token: 'y',
    });
    expect(controlUrl({ host: '0.0.0.0', port: 8480, tls: null })).toBe('http://127.0.0.1:8480');
    expect(controlUrl({ host: '::', port: 8480, tls: { cert: 'c', key: 'k' } as never })).toBe(
      'https://[::1]:8480',
    );
  });

  it('says when the control API cannot be reached', async () => {
    const port = await freePort();
    const r = await run(['list', '--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`could not reach the control API at http://127.0.0.1:${port}`);
  });

  it('is dispatched by the gatehouse command and listed in its usage', async () => {
    const io = memoryIo(tmp.dir, {});
    expect(await runCli(['approvals', '--help'], io)).toBe(0);
    expect(io.out).toContain('gatehouse approvals deny ID --reason R');
    const help = memoryIo(tmp.dir, {});
    await runCli(['--help'], help);
    expect(help.out).toContain('approvals list|show ID|approve ID|deny ID');
  });
});
