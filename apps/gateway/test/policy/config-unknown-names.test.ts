import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { ConfigError } from '../../src/config';
import { startGateway } from '../../src/runtime';
import { freePort } from '../../src/testing/free-port';
import { memoryIo } from '../../src/testing/memory-io';
import { silentLogger, tempDir } from '../../src/testing/test-support';

/**
 * A rule that names an environment (or target) no target has can never
 * match: `gatehouse check`, start and reload refuse the file, naming the key.
 */
describe('rules naming an environment or target that does not exist', () => {
  const tmp = tempDir('gh-unknown-names-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  afterAll(() => tmp.cleanup());

  const config = (pgPort: number, controlPort: number, when: string) => `workers: 1
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort} }
targets:
  - { name: prod, engine: postgres, environment: production, upstream: { host: 127.0.0.1, database: test, tls: disable }, logins: [ { user: postgres } ] }
  - { name: stage, engine: postgres, environment: staging, upstream: { host: 127.0.0.1, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { enabled: false }
policy:
  rules:
    - { id: prod-ddl, when: ${when}, action: deny }
    - { id: reads, when: { kinds: [read] }, action: allow }
`;
  const PRODD =
    'policy.rules[0].when.environment[0]: no target has environment "prodd"; the targets\' environments: production, staging';

  it('gatehouse check prints the key and exits 1', async () => {
    writeFileSync(file, config(15432, 8480, '{ environment: [prodd], kinds: [ddl] }'));
    const io = memoryIo(tmp.dir);
    expect(await runCli(['check', '--config', file], io)).toBe(1);
    expect(io.err).toContain(PRODD);
    expect(io.out).toBe('');

    writeFileSync(file, config(15432, 8480, '{ targets: [prod, prd] }'));
    const io2 = memoryIo(tmp.dir);
    expect(await runCli(['check', '--config', file], io2)).toBe(1);
    expect(io2.err).toContain(
      'policy.rules[0].when.targets[1]: no target named "prd" (did you mean prod?); configured targets: prod, stage',
    );
  });

  it('start refuses the file; a reload to it is refused and the running rules stay', async () => {
    const [pgPort, controlPort] = [await freePort(), await freePort()];
    writeFileSync(file, config(pgPort, controlPort, '{ environment: [prodd], kinds: [ddl] }'));
    const refused = await startGateway({ configFile: file, logger: silentLogger }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues).toContain(PRODD);

    writeFileSync(file, config(pgPort, controlPort, '{ environment: [production], kinds: [ddl] }'));
    const gateway = await startGateway({ configFile: file, logger: silentLogger });
    try {
      writeFileSync(file, config(pgPort, controlPort, '{ environment: [prodd], kinds: [ddl] }'));
      const result = await gateway.reload();
      expect(result).toMatchObject({ applied: false });
      expect(result.applied === false && result.issues).toContain(PRODD);
      expect(gateway.config().policy.rules[0]!.when.environments).toEqual(['production']);
    } finally {
      await gateway.stop();
    }
  });
});
