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
import { startTestGateway, type TestGateway } from './test-gateway';

/**
 * Found in review: the settings a client gives at startup went in the
 * upstream StartupMessage, so the server ran with them before their
 * statement-0 intent was written ("intent recorded before the statement
 * reaches the upstream"), and an audit that refused that intent was reported
 * as a policy denial with an auth.failed record. The settings now run on the
 * upstream as SET only after the intent is on the record.
 */

const APP = `gh-order-${process.pid}`;

/** Keeps what is written; the statement-0 intent can be probed, refused or held. */
class ProbeSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  readonly healthy = true;
  /** Backends the upstream runs with application_name = APP when the intent of statement 0 is written. */
  readonly backendsAtIntent: number[] = [];
  mode: 'probe' | 'refuse' = 'probe';
  #held: { reached: () => void; release: Promise<void> } | null = null;
  #waiters: { type: string; resolve: () => void }[] = [];

  async write(event: AuditEvent): Promise<void> {
    if (event.type === 'statement.intent' && event.statement_seq === 0) {
      this.backendsAtIntent.push(await backendsNamed(APP));
      if (this.mode === 'refuse') throw new Error('the audit store is down');
      if (this.#held) {
        const held = this.#held;
        this.#held = null;
        held.reached();
        await held.release;
      }
    }
    this.events.push(event);
    for (const w of this.#waiters.filter((x) => x.type === event.type)) w.resolve();
    this.#waiters = this.#waiters.filter((x) => x.type !== event.type);
  }

  /** Holds the next statement-0 intent: resolves when it is reached; `release` lets it through. */
  hold(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    this.#held = { reached, release: new Promise<void>((r) => (release = r)) };
    return { reached: reachedP, release };
  }

  next(type: AuditEvent['type']): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ type, resolve }));
  }

  async close(): Promise<void> {}
}

async function backendsNamed(name: string): Promise<number> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [name],
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

/** The session's records, summarised, from its session.start on. */
function sessionSummary(events: readonly AuditEvent[], from: number): string[] {
  const start = events.findIndex((e, i) => i >= from && e.type === 'session.start');
  if (start < 0) return [];
  const id = (events[start] as { session_id: string }).session_id;
  return events
    .filter((e) => 'session_id' in e && e.session_id === id)
    .map((e) =>
      e.type === 'statement.intent'
        ? `${e.type} ${e.statement_seq} ${e.decision}`
        : e.type === 'statement.outcome'
          ? `${e.type} ${e.statement_seq} ${e.status} ${e.sqlstate}`
          : e.type === 'session.end'
            ? `${e.type} ${e.reason}`
            : e.type,
    );
}

describe('compat: startup settings reach the upstream only after their intent', () => {
  let gw: TestGateway;
  let sink: ProbeSink;
  let analyser: StatementAnalyser;
  const policy = compilePolicy([{ id: 'all', when: {}, action: 'allow' }]);
  const through = (config: ClientConfig, port = gw.port): Client =>
    new Client({
      ...config,
      host: '127.0.0.1',
      port,
      user: 'someone',
      password: 'token-alice',
      database: 'local',
    });

  beforeAll(async () => {
    analyser = await createPostgresAnalyser();
  });
  beforeEach(async () => {
    sink = new ProbeSink();
    gw = await startTestGateway({
      policy,
      analyser,
      audit: new AuditTrail({ sink, onFailure: 'refuse' }, pino({ level: 'silent' })),
    });
  });
  afterEach(() => gw.stop());

  it('writes the statement-0 intent before any upstream backend runs with the settings', async () => {
    const client = through({ options: `-c application_name=${APP} -c lock_timeout=2s` });
    const reported: string[] = [];
    client.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
      if (m.parameterName === 'application_name') reported.push(m.parameterValue);
    });
    const before = sink.events.length;
    await client.connect();
    try {
      expect(sink.backendsAtIntent).toEqual([0]);
      const { rows } = await client.query<{ a: string; l: string }>(
        "select current_setting('application_name') as a, current_setting('lock_timeout') as l",
      );
      expect(rows).toEqual([{ a: APP, l: '2s' }]);
      expect(await backendsNamed(APP)).toBe(1);
      // The SET's ParameterStatus reached the client before its first ReadyForQuery.
      expect(reported.at(-1)).toBe(APP);
    } finally {
      await client.end();
    }
    expect(sessionSummary(sink.events, before).slice(0, 4)).toEqual([
      'session.start',
      'statement.intent 0 allow',
      'statement.outcome 0 ok null',
      'statement.intent 1 allow',
    ]);
  });

  it('refuses the connection as audit_unavailable when the intent cannot be written, with no auth.failed', async () => {
    sink.mode = 'refuse';
    const before = sink.events.length;
    const ended = sink.next('session.end');
    await expect(
      through({ options: `-c application_name=${APP}`, statement_timeout: 3000 }).connect(),
    ).rejects.toMatchObject({
      code: '58000',
      severity: 'FATAL',
      message:
        'gatehouse: the startup settings application_name, statement_timeout were not applied: the audit record could not be written, so the statement was refused',
    });
    await ended;
    expect(sink.backendsAtIntent).toEqual([0]);
    expect(sessionSummary(sink.events, before)).toEqual(['session.start', 'session.end error']);
    expect(sink.events.filter((e) => e.type === 'auth.failed')).toEqual([]);
  });

  it('refuses with the server error, as directly, when the server refuses a setting, and records its outcome', async () => {
    const config: ClientConfig = { options: '-c statement_timeout=abc' };
    const directly = await new Client({
      ...config,
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      database: 'test',
    })
      .connect()
      .then(
        () => null,
        (e: { code: string; severity: string; message: string }) => e,
      );
    expect(directly).toMatchObject({ code: '22023', severity: 'FATAL' });
    const before = sink.events.length;
    const ended = sink.next('session.end');
    await expect(through(config).connect()).rejects.toMatchObject({
      code: directly!.code,
      severity: 'FATAL',
      message: directly!.message,
    });
    await ended;
    expect(sessionSummary(sink.events, before)).toEqual([
      'session.start',
      'statement.intent 0 allow',
      'statement.outcome 0 error 22023',
      'session.end error',
    ]);
    expect(sink.events.filter((e) => e.type === 'auth.failed')).toEqual([]);
  });

  it('records the end of a session whose client went away while statement 0 was being recorded', async () => {
    const held = sink.hold();
    const before = sink.events.length;
    const connecting = through({ statement_timeout: 3000 })
      .connect()
      .then(
        () => 'connected',
        () => 'refused',
      );
    await held.reached;
    // Stopping the gateway closes the sockets of clients still connecting.
    await gw.stop();
    const ended = sink.next('session.end');
    held.release();
    await ended;
    expect(await connecting).toBe('refused');
    expect(sessionSummary(sink.events, before)).toEqual([
      'session.start',
      'statement.intent 0 allow',
      'statement.outcome 0 ok null',
      'session.end error',
    ]);
  });
});
