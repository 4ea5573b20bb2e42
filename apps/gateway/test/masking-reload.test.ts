import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDevIssuer, signDevToken, type DevIssuerKeys } from '../src/identity';
import { startGateway, type RunningGateway } from '../src/runtime';
import { freePort } from '../src/testing/free-port';
import { silentLogger, tempDir } from '../src/testing/test-support';

/**
 * A reload that changes `masking:` applies to statements node-postgres
 * prepared before it (named statements: after the first run only Bind,
 * Describe, Execute and Sync go out), from their next Execute on. The
 * gateway as `gatehouse start` runs it, reloaded through POST /v1/policy/reload.
 */
const TABLE = `gh_mask_reload_${process.pid}`;
const EMAIL = 'jane.doe@example.com';

function configText(pgPort: number, controlPort: number, masking: string): string {
  return `
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [dba] }
identity:
  issuers: [ { issuer: gatehouse-dev, dev: true, audience: gatehouse, key_dir: ./keys } ]
targets:
  - { name: local, engine: postgres, environment: development, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
audit: { file: ./audit.jsonl }
policy:
  rules:
    - { id: reads, when: { kinds: [read] }, action: allow }
masking: ${masking}
`;
}

const BEFORE = '{ unmasked_groups: [ops], strict_groups: [] }';
const AFTER = `{ unmasked_groups: [], strict_groups: [agents], columns: [ { table: public.${TABLE}, column: note, mask: redact } ] }`;
const THEN_UNMASKED = `{ unmasked_groups: [dev], strict_groups: [agents] }`;

describe('masking configuration reloaded under prepared statements (one process, real engine)', () => {
  const tmp = tempDir('gh-mask-reload-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  let pgPort: number;
  let controlPort: number;
  let gateway: RunningGateway;
  let keys: DevIssuerKeys;
  const direct = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

  const token = (subject: string, groups: string[]) =>
    signDevToken(keys, {
      issuer: 'gatehouse-dev',
      audience: 'gatehouse',
      subject,
      groups,
      groupsClaim: 'groups',
      ttlSeconds: 300,
    });

  async function reload(masking: string): Promise<void> {
    writeFileSync(file, configText(pgPort, controlPort, masking));
    const res = await fetch(`http://127.0.0.1:${controlPort}/v1/policy/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('root', ['dba'])}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ applied: true });
  }

  async function session(subject: string, groups: string[]): Promise<Client> {
    const c = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: subject,
      password: await token(subject, groups),
      database: 'local',
    });
    await c.connect();
    return c;
  }

  /** The named statement's row (node-postgres prepares it on first use, then only binds it). */
  const run = (c: Client, name: string, text: string, values: unknown[]) =>
    c.query({ name, text, values }).then(
      (r) => r.rows[0] as Record<string, string>,
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    );

  beforeAll(async () => {
    await direct.connect();
    await direct.query(
      `drop table if exists ${TABLE}; create table ${TABLE} (id int primary key, email text, note text);
       insert into ${TABLE} values (1, '${EMAIL}', 'gift wrap')`,
    );
    pgPort = await freePort();
    controlPort = await freePort();
    writeFileSync(file, configText(pgPort, controlPort, BEFORE));
    gateway = await startGateway({ configFile: file, logger: silentLogger });
    keys = await ensureDevIssuer(join(tmp.dir, 'keys'));
  });

  afterAll(async () => {
    await gateway?.stop();
    await direct.query(`drop table if exists ${TABLE}`);
    await direct.end();
    tmp.cleanup();
  });

  it('a new rule, a group no longer unmasked and a new strict group reach statements prepared before the reload; so does a group made unmasked', async () => {
    const dev = await session('dev1', ['dev']);
    const ops = await session('ops1', ['ops']);
    const agent = await session('agent1', ['agents']);
    try {
      const byId = `select note, email from ${TABLE} where id = $1`;
      const byEmail = `select id, email from ${TABLE} where email = $1`;
      expect(await run(dev, 'gh_dev', byId, [1])).toEqual({ note: 'gift wrap', email: 'j***@example.com' });
      expect(await run(ops, 'gh_ops', byId, [1])).toEqual({ note: 'gift wrap', email: EMAIL });
      expect(await run(agent, 'gh_agent', byEmail, [EMAIL])).toEqual({ id: 1, email: 'j***@example.com' });

      await reload(AFTER);
      // The same named statements, not prepared again.
      expect(await run(dev, 'gh_dev', byId, [1])).toEqual({ note: '****', email: 'j***@example.com' });
      expect(await run(ops, 'gh_ops', byId, [1])).toEqual({ note: '****', email: 'j***@example.com' });
      expect(await run(agent, 'gh_agent', byEmail, [EMAIL])).toMatch(/^42501: .*\(rule masking-strict\)$/);
      // A statement prepared after the reload is masked alike.
      expect(await run(ops, 'gh_ops_new', `select email from ${TABLE} where id = $1`, [1])).toEqual({
        email: 'j***@example.com',
      });

      await reload(THEN_UNMASKED);
      expect(await run(dev, 'gh_dev', byId, [1])).toEqual({ note: 'gift wrap', email: EMAIL });
      expect(await run(ops, 'gh_ops', byId, [1])).toEqual({ note: 'gift wrap', email: 'j***@example.com' });
      // Strict mode still refuses only oracles: a plain read runs, masked.
      expect(await run(agent, 'gh_agent2', `select id, email from ${TABLE} where id = $1`, [1])).toEqual({
        id: 1,
        email: 'j***@example.com',
      });
    } finally {
      await Promise.all([dev.end(), ops.end(), agent.end()]);
    }
  });
});
