import pino from 'pino';
import { Client } from 'pg';
import {
  AuditTrail,
  checkDataFlow,
  createMaskPlan,
  createPostgresAnalyser,
  createPostgresDataFlowAnalyser,
  GatewayError,
  Pipeline,
  SessionRegistry,
  type AuditEvent,
  type CredentialVerifier,
  type Identity,
  type MaskPlan,
  type MaskPlanner,
  type TargetDirectory,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import { PostgresEngine } from '../../src/engine';
import { allowAll } from './test-gateway';

/**
 * A gateway with masking on, in front of the local PostgreSQL, and a fixture
 * schema (users, payments, secrets, orders) created and dropped by the test.
 * `token-dev` is masked, `token-dba` is in an unmasked group, `token-agent`
 * is in a strict group. The planner is built as the gateway builds it from
 * `masking:` config (apps/gateway/src/masking), from sql-core parts.
 */
export const MASKING_TOKENS: Record<string, Identity> = {
  'token-dev': { subject: 'dev', groups: ['dev'], authMethod: 'service_token', issuer: 'test' },
  'token-dba': { subject: 'dba', groups: ['dba'], authMethod: 'service_token', issuer: 'test' },
  'token-agent': { subject: 'agent', groups: ['agents'], authMethod: 'service_token', issuer: 'test' },
};

export interface MaskingGateway {
  readonly port: number;
  readonly schema: string;
  /** Every audit event the pipeline wrote, in order. */
  readonly audit: AuditEvent[];
  client(token?: string): Client;
  /** A connection straight to PostgreSQL (no gateway), for setup and comparisons. */
  direct(): Client;
  stop(): Promise<void>;
}

export const FIXTURE = {
  email: 'jane.doe@example.com',
  ssn: '536-22-8845',
  phone: '+1 (415) 555-2671',
  dob: '1985-03-14',
  name: 'Jane Doe',
  card: '4111111111111111',
  iban: 'DE89370400440532013000',
  apiKey: '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',
  passwordHash: '$2b$12$Jx6mQjOk3g6Nhd9mRvZrQeC7mGvB2cS0q0gVfEwzYV9xQ1uWb6t2K',
  /** Luhn-valid and IMEI-shaped: an order id, never a card. */
  orderId: '490154203237518',
  uuid: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  notes: 'call jane.doe@example.com, card 4111 1111 1111 1111, thanks',
  ip: '203.0.113.77',
} as const;

class TestMaskPlanner implements MaskPlanner {
  constructor(
    private readonly base: MaskPlan,
    private readonly dataFlow: Awaited<ReturnType<typeof createPostgresDataFlowAnalyser>>,
  ) {}

  plan(...[event, statements]: Parameters<MaskPlanner['plan']>): ReturnType<MaskPlanner['plan']> {
    const groups = event.session.identity.groups;
    if (groups.includes('dba')) return null;
    // As the gateway's planner: texts differing only in constants share one trace.
    const normalized = statements.map((s) => `${s.fingerprint}\u0001${s.normalized}`).join('\u0002');
    const flows = this.dataFlow.analyse(event.sql, statements.length > 0 ? normalized : undefined);
    for (const flow of flows) {
      const denial = checkDataFlow(this.base, flow, groups.includes('agents'));
      if (denial !== null) return { deny: denial.reason, ruleId: denial.ruleId };
    }
    return { ...this.base, statements: flows };
  }
}

export async function startMaskingGateway(
  options: { maxMessageSize?: number } = {},
): Promise<MaskingGateway> {
  const logger = pino({ level: process.env.GATEHOUSE_TEST_LOG ?? 'silent' });
  const schema = `gh_mask_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const verifier: CredentialVerifier = {
    verify: async (credential) => {
      const identity = MASKING_TOKENS[credential];
      if (!identity) throw new GatewayError('auth_failed', 'the token is not valid');
      return identity;
    },
  };
  const targets: TargetDirectory = {
    resolve: () => ({ target: { name: 'local', engine: 'postgres', environment: 'test' }, database: 'test' }),
    upstreamFor: (_t, _i, database): UpstreamEndpoint => ({
      host: '127.0.0.1',
      port: 5432,
      tls: 'disable',
      user: 'postgres',
      database,
    }),
  };
  const base = createMaskPlan({
    rules: [{ table: `${schema}.orders`, column: 'reference', mask: 'redact' }],
  });
  const audit: AuditEvent[] = [];
  const sink = {
    healthy: true,
    write: async (event: AuditEvent) => void audit.push(event),
    writeNow: (event: AuditEvent) => void audit.push(event),
    close: async () => undefined,
  };
  const pipeline = new Pipeline({
    analysers: { postgres: await createPostgresAnalyser() },
    policy: allowAll,
    logger,
    audit: new AuditTrail({ sink, onFailure: 'refuse' }, logger),
    masking: new TestMaskPlanner(base, await createPostgresDataFlowAnalyser()),
  });
  const engine = new PostgresEngine({
    host: '127.0.0.1',
    port: 0,
    verifier,
    targets,
    pipeline,
    sessions: new SessionRegistry(),
    logger,
    allowPlaintextLoopback: true,
    maxMessageSize: options.maxMessageSize ?? 64 * 1024 * 1024,
    handshakeTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  const { port } = await engine.listen();
  const direct = (): Client =>
    new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  const setup = direct();
  await setup.connect();
  try {
    await setup.query(fixtureSql(schema));
  } finally {
    await setup.end();
  }
  return {
    port,
    schema,
    audit,
    client: (token = 'token-dev') =>
      new Client({ host: '127.0.0.1', port, user: 'alice', password: token, database: 'local' }),
    direct,
    stop: async () => {
      await engine.stop(0);
      const c = direct();
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

function fixtureSql(s: string): string {
  const f = FIXTURE;
  return `
    create schema ${s};
    create table ${s}.users (
      id serial primary key, email text, ssn text, phone text, dob date, name text, notes text,
      profile jsonb, last_login_ip inet, created_at timestamptz default '2024-05-01 10:00:00+00',
      email_verified boolean default true, user_uuid uuid default '${f.uuid}', content_sha256 text
    );
    insert into ${s}.users (email, ssn, phone, dob, name, notes, profile, last_login_ip, content_sha256) values
      ('${f.email}', '${f.ssn}', '${f.phone}', '${f.dob}', '${f.name}', '${f.notes}',
       '{"email": "${f.email}", "plan": "pro", "address": {"zip": "94103"}}', '${f.ip}',
       'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
      ('bob@example.org', '312-44-5678', '+1 (212) 555-0188', '1990-11-02', 'Bob Stone', 'nothing here', '{}', '198.51.100.7', null);
    create table ${s}.payments (
      id serial primary key, user_id int, card_number text, iban text, amount numeric(10,2), order_id bigint
    );
    insert into ${s}.payments (user_id, card_number, iban, amount, order_id) values
      (1, '${f.card}', '${f.iban}', 12.50, ${f.orderId});
    create table ${s}.secrets (id serial primary key, api_key text, password_hash text);
    insert into ${s}.secrets (api_key, password_hash) values ('${f.apiKey}', '${f.passwordHash}');
    create table ${s}.orders (id serial primary key, reference text, note text);
    insert into ${s}.orders (reference, note) values ('ORD-2024-0001', 'gift wrap');
    create view ${s}.contacts as select id, email as contact, lower(name) as who from ${s}.users;
  `;
}

/** First row as the server's text, by column name (no type parsing: what the wire carried). */
export async function textRow(c: Client, text: string): Promise<Record<string, string | null>> {
  const r = await c.query({ text, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
  return Object.fromEntries(r.fields.map((f, i) => [f.name, (r.rows[0] as (string | null)[])[i] ?? null]));
}

/** The detectors the audit names for each masked column of the last statement recorded after `from`. */
export function maskedDetectors(
  audit: readonly AuditEvent[],
  from: number,
): Record<string, readonly string[]> {
  const outcome = audit
    .slice(from)
    .filter((e) => e.type === 'statement.outcome')
    .at(-1) as { masked?: { column: string; detectors: string[] }[] } | undefined;
  return Object.fromEntries((outcome?.masked ?? []).map((m) => [m.column, m.detectors]));
}

/** Fails if the row holds the fixture's email, name or card in the clear. */
export function expectNoLeak(row: Record<string, string | null>): void {
  const text = JSON.stringify(row).toLowerCase();
  for (const o of [FIXTURE.email, 'jane doe', FIXTURE.card]) expect(text).not.toContain(o);
}
