import pino from 'pino';
import { Client, type ClientConfig } from 'pg';
import {
  AuditTrail,
  compilePolicy,
  createPostgresAnalyser,
  type AuditEvent,
  type AuditSink,
  type StatementAnalyser,
} from '@gatehouse/sql-core';
import { parseOptions } from '../../src/engine/startup-settings';
import { startTestGateway, type TestGateway } from './test-gateway';

/**
 * Found by node-postgres's statement_timeout, idle_in_transaction_session_timeout,
 * connection-parameter (options) and gh-2416 (search_path) tests: settings a
 * client gives at startup were dropped without a word, so a client that asked
 * for a statement timeout or a read-only default ran without it. They are now
 * judged as the SET statements they amount to, forwarded when allowed, refused
 * when not, and recorded as the session's statement 0.
 */

class MemorySink implements AuditSink {
  readonly events: AuditEvent[] = [];
  readonly healthy = true;
  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
  async close(): Promise<void> {}
}

const RULES = [
  { id: 'no-guardrails', when: { guardrails: ['*'] }, action: 'deny' },
  // Only dev may change session settings; ci-bot may only read.
  { id: 'dev-sessions', when: { groups: ['dev'], kinds: ['session', 'transaction'] }, action: 'allow' },
  { id: 'reads', when: { kinds: ['read', 'utility'] }, action: 'allow' },
];

const direct = (config: ClientConfig): Client =>
  new Client({ ...config, host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

describe('compat: startup settings', () => {
  let gw: TestGateway;
  let sink: MemorySink;
  let analyser: StatementAnalyser;
  const through = (config: ClientConfig, token = 'token-alice'): Client =>
    new Client({
      ...config,
      host: '127.0.0.1',
      port: gw.port,
      user: 'someone',
      password: token,
      database: 'local',
    });

  beforeAll(async () => {
    sink = new MemorySink();
    analyser = await createPostgresAnalyser();
    gw = await startTestGateway({
      policy: compilePolicy(RULES),
      analyser,
      audit: new AuditTrail({ sink, onFailure: 'refuse' }, pino({ level: 'silent' })),
    });
  });
  afterAll(() => gw.stop());

  /** The settings as the session sees them, connected with `config`. */
  async function show(client: Client, names: string[]): Promise<string[]> {
    await client.connect();
    try {
      const values: string[] = [];
      for (const name of names) {
        const { rows } = await client.query<Record<string, string>>(`show ${name}`);
        values.push(rows[0]![name]!);
      }
      return values;
    } finally {
      await client.end();
    }
  }

  it.each<[string, ClientConfig, string[]]>([
    ['statement_timeout', { statement_timeout: 3000 }, ['statement_timeout']],
    ['lock_timeout', { lock_timeout: 1500 }, ['lock_timeout']],
    [
      'idle_in_transaction_session_timeout',
      { idle_in_transaction_session_timeout: 3000 },
      ['idle_in_transaction_session_timeout'],
    ],
    [
      'options --name=value',
      { options: '--default_transaction_isolation=serializable' },
      ['default_transaction_isolation'],
    ],
    ['options --search_path', { options: '--search_path=foo' }, ['search_path']],
    [
      'options -c, an escaped space, and a startup parameter winning over options',
      {
        options: '-c lock_timeout=2s   -clock_timeout=4s -c application_name=a\\ b',
        statement_timeout: 7000,
      },
      ['lock_timeout', 'application_name', 'statement_timeout'],
    ],
    [
      'options setting what a startup parameter also sets',
      { options: '-c statement_timeout=5s', statement_timeout: 7000 },
      ['statement_timeout'],
    ],
  ])('node-postgres %s reaches the server as it does directly', async (_name, config, names) => {
    const expected = await show(direct(config), names);
    expect(await show(through(config), names)).toEqual(expected);
  });

  it('a statement_timeout given at startup cancels a long statement, as directly', async () => {
    const run = async (client: Client): Promise<string> => {
      await client.connect();
      try {
        return await client.query('select pg_sleep(30)').then(
          () => 'finished',
          (err: { code: string }) => err.code,
        );
      } finally {
        await client.end();
      }
    };
    expect(await run(direct({ statement_timeout: 50 }))).toBe('57014');
    expect(await run(through({ statement_timeout: 50 }))).toBe('57014');
  });

  it('records the settings as statement 0, after the session start and before the first statement', async () => {
    const client = through({ statement_timeout: 3000, options: '-c search_path=public' });
    const before = sink.events.length;
    await client.connect();
    await client.query('select 1');
    await client.end();
    const start = sink.events.findIndex((e, i) => i >= before && e.type === 'session.start');
    expect(start).toBeGreaterThanOrEqual(0);
    const session = (sink.events[start] as { session_id: string }).session_id;
    const mine = sink.events.filter((e) => 'session_id' in e && e.session_id === session);
    const summary = mine.map((e) =>
      e.type === 'statement.intent'
        ? `${e.type} ${e.statement_seq} ${e.decision} ${e.statements.map((s) => s.sql).join('; ')}`
        : e.type === 'statement.outcome'
          ? `${e.type} ${e.statement_seq} ${e.status}`
          : e.type,
    );
    expect(summary.slice(0, 5)).toEqual([
      'session.start',
      'statement.intent 0 allow SET "search_path" TO $1; SET "statement_timeout" TO $1',
      'statement.outcome 0 ok',
      'statement.intent 1 allow select $1',
      'statement.outcome 1 ok',
    ]);
  });

  it('refuses a connection whose startup settings the policy does not allow, and records why', async () => {
    // ci-bot may read, not change settings: its connection with a timeout is refused...
    const refused = through({ statement_timeout: 3000 }, 'token-ci');
    await expect(refused.connect()).rejects.toMatchObject({
      code: '42501',
      severity: 'FATAL',
      message:
        'gatehouse: the startup settings statement_timeout are not allowed: no policy rule allows SET for ci-bot on target local (rule default-deny)',
    });
    const failed = sink.events.filter((e) => e.type === 'auth.failed' && e.reason === 'policy_denied');
    expect(failed.length).toBeGreaterThan(0);
    // ...and the same identity without it connects.
    const plain = through({}, 'token-ci');
    await plain.connect();
    expect((await plain.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await plain.end();
  });

  it('refuses a startup role switch where the policy denies guardrails, which directly would run', async () => {
    const config: ClientConfig = { options: '-c role=pg_monitor' };
    expect(await show(direct(config), ['role'])).toEqual(['pg_monitor']);
    await expect(through(config).connect()).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(
        /startup settings role are not allowed: .*role-switch.*\(rule no-guardrails\)$/,
      ),
    });
  });

  it('refuses options switches that are not settings rather than dropping them', async () => {
    for (const options of [
      '-e',
      '-d 5',
      '-c',
      '-c user=postgres',
      '--replication=database',
      '-c bad"name=1',
    ]) {
      await expect(through({ options }).connect()).rejects.toMatchObject({
        code: '08P01',
        severity: 'FATAL',
      });
    }
  });

  it('splits options as the server does', () => {
    expect(parseOptions('  -c a=1\t-cb=2 --Some-Name=x\\ y  -c empty= ')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['some_name', 'x y'],
      ['empty', ''],
    ]);
  });
});
