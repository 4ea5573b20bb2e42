import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '../testing/memory-io';
import { tempDir } from '../testing/test-support';
import { runCli } from './index';

const VALID = `
control: { admins: [dba] }
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, database: test }, logins: [ { user: postgres, password_env: GH_CHECK_PW } ] }
policy: { rules: [ { id: reads, when: { kinds: [read] }, action: allow } ] }
`;

describe('gatehouse check', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('prints a summary and warnings for a valid file, exit 0', async () => {
    writeFileSync(join(tmp.dir, 'g.yaml'), VALID);
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check', '--config', 'g.yaml'], io)).toBe(0);
    expect(io.out).toContain(`${join(tmp.dir, 'g.yaml')}: valid`);
    expect(io.out).toContain('local (postgres, development) -> 127.0.0.1:5432/test tls=prefer, logins: postgres');
    expect(io.out).toContain('policy: 1 rule(s): reads (allow)');
    expect(io.out).toContain('approvals: not configured');
    expect(io.out).toContain('GH_CHECK_PW is not set in this environment');
    expect(io.err).toBe('');
  });

  it('lists every problem for an invalid file, exit 1', async () => {
    writeFileSync(join(tmp.dir, 'g.yaml'), VALID.replace('host: 127.0.0.1,', 'host: 127.0.0.1, port: abc,').replace('admins: [dba]', 'admins: [dba], prot: 1'));
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check', '--config', 'g.yaml'], io)).toBe(1);
    expect(io.err).toContain('targets[0].upstream.port: expected a port number 1-65535, got "abc"');
    expect(io.err).toContain('control: unknown key "prot"');
    expect(io.out).toBe('');
  });

  it('finds gatehouse.yaml in the working directory, or GATEHOUSE_CONFIG', async () => {
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), VALID);
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.out).toContain(`${join(tmp.dir, 'gatehouse.yaml')}: valid`);

    writeFileSync(join(tmp.dir, 'other.yaml'), 'workers: nope');
    const io2 = memoryIo(tmp.dir, { GATEHOUSE_CONFIG: 'other.yaml' });
    expect(await runCli(['check'], io2)).toBe(1);
    expect(io2.err).toContain('other.yaml: invalid');
  });

  it('says where it looked when there is no config, exit 1', async () => {
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.err).toContain('no config file: pass --config FILE or set GATEHOUSE_CONFIG');
  });

  it('rejects unknown options with usage, exit 2', async () => {
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check', '--cofig', 'x'], io)).toBe(2);
    expect(io.err).toContain("Unknown option '--cofig'");
    expect(io.err).toContain('usage: gatehouse check');
  });

  it('rejects unknown commands, exit 2, and prints help on request', async () => {
    const io = memoryIo(tmp.dir);
    expect(await runCli(['chek'], io)).toBe(2);
    expect(io.err).toContain('unknown command "chek"');
    const help = memoryIo(tmp.dir);
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out).toContain('usage: gatehouse <command>');
  });
});

describe('gatehouse audit', () => {
  it('dispatches `audit verify` and refuses other subcommands', async () => {
    const io = memoryIo('/');
    expect(await runCli(['audit', 'verify'], io)).toBe(2);
    expect(io.err).toContain('usage: gatehouse audit verify');
    const bad = memoryIo('/');
    expect(await runCli(['audit', 'check'], bad)).toBe(2);
    expect(bad.err).toContain('unknown audit subcommand "check"');
  });
});
