import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startGateway, type RunningGateway } from '../../src/runtime';
import { freePort } from '../../src/testing/free-port';
import { memoryLogger, tempDir } from '../../src/testing/test-support';

/**
 * Helpers for the approvals tests: the real gateway (startGateway) on free
 * ports with a temp config, the local PostgreSQL and Redis, service tokens
 * for a few people, a key prefix of its own per test file (removed after).
 */

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Service tokens: name -> groups. alice and erin are CI pipelines; bob and carol approve; dave does neither; root is an admin. */
export const PEOPLE = {
  alice: ['ci', 'dev'],
  erin: ['ci'],
  bob: ['dba'],
  carol: ['dba', 'oncall'],
  dave: ['dev'],
  root: ['ops'],
} as const;
export type Person = keyof typeof PEOPLE;

const RUN = `${process.pid}-${randomBytes(4).toString('hex')}`;
export const tokenOf = (who: Person): string => `ght_approvals_test_${who}_${RUN}`;

/** A table name no other run uses; matches the rules' `gh_apr_*` patterns. */
export function tableName(kind: 'apr' | 'apr2', label: string): string {
  return `gh_${kind}_${label}_${randomBytes(3).toString('hex')}`;
}

export interface GatewayConfigOptions {
  readonly pgPort: number;
  readonly controlPort: number;
  readonly auditFile: string;
  readonly redis?: string;
  /** Extra keys for the approvals section, e.g. `timeout: 10s`. */
  readonly approvalsExtra?: string;
  /** Leave the approvals section out. */
  readonly withoutApprovals?: boolean;
  /** Worker processes when run by `gatehouse start` (startGateway runs one process whatever this says). */
  readonly workers?: number;
  /** approvals.key_prefix; this test file's (useKeyPrefix) unless given. */
  readonly keyPrefix?: string;
}

/** The key prefix useKeyPrefix chose for this test file (jest loads this module once per file). */
let filePrefix: string | null = null;

export function gatewayConfig(o: GatewayConfigOptions): string {
  const tokens = (Object.keys(PEOPLE) as Person[])
    .map(
      (p) =>
        `    - { name: ${p}, sha256: ${createHash('sha256').update(tokenOf(p)).digest('hex')}, groups: [${PEOPLE[p].join(', ')}] }`,
    )
    .join('\n');
  return `workers: ${o.workers ?? 1}
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${o.pgPort} } ]
control: { host: 127.0.0.1, port: ${o.controlPort}, admins: [ops] }
identity:
  allow_plaintext_loopback: true
  service_tokens:
${tokens}
targets:
  - { name: local, engine: postgres, environment: production, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
policy:
  rules:
    - { id: guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: two-needed, when: { tables: ["gh_apr2_*"], kinds: [write] }, action: review, reason: two people sign off, approvers: [dba, oncall], required: 2 }
    - { id: ci-ddl, when: { groups: [ci], kinds: [ddl] }, action: review, reason: DDL from CI needs a DBA, grant: true }
    - { id: reviewed-writes, when: { tables: ["gh_apr_*"], kinds: [write] }, action: review, reason: writes to these tables need review }
    - { id: everything-else, when: { unknown: false }, action: allow }
${
  o.withoutApprovals
    ? ''
    : `approvals:
  redis: ${o.redis ?? REDIS_URL}
  ${(o.keyPrefix ?? filePrefix) === null ? '' : `key_prefix: "${o.keyPrefix ?? filePrefix}"`}
  approvers: [dba]
  ${o.approvalsExtra ?? ''}`
}
audit: { file: ${o.auditFile} }
limits: { shutdown_grace: 1s }
`;
}

/** Every key under the prefix (requests, indexes, grants, BullMQ queues). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A Redis key prefix for this test file: the configs gatewayConfig writes use it (approvals.key_prefix). */
export function useKeyPrefix(): string {
  filePrefix = `gh-test-gw-approvals:${randomBytes(6).toString('hex')}`;
  return filePrefix;
}

export interface TestGateway {
  readonly gateway: RunningGateway;
  readonly pgPort: number;
  readonly controlPort: number;
  readonly dir: string;
  readonly configFile: string;
  readonly auditFile: string;
  readonly logLines: string[];
  /** Stops the gateway (idempotent); the temp directory stays until cleanup(). */
  stop(): Promise<void>;
  /** Stops the gateway and removes its temp directory. */
  cleanup(): Promise<void>;
}

/** startGateway on free ports with the config above, in a temp directory (or `dir`). */
export async function startTestGateway(
  options: Partial<Omit<GatewayConfigOptions, 'auditFile'>> & { dir?: string } = {},
): Promise<TestGateway> {
  const tmp = options.dir ? null : tempDir('gh-approvals-');
  const dir = options.dir ?? tmp!.dir;
  const pgPort = options.pgPort ?? (await freePort());
  const controlPort = options.controlPort ?? (await freePort());
  const auditFile = join(dir, `audit-${pgPort}.jsonl`);
  const configFile = join(dir, `gatehouse-${pgPort}.yaml`);
  writeFileSync(configFile, gatewayConfig({ ...options, pgPort, controlPort, auditFile }));
  const log = memoryLogger();
  const gateway = await startGateway({ configFile, logger: log.logger });
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= gateway.stop());
  return {
    gateway,
    pgPort,
    controlPort,
    dir,
    configFile,
    auditFile,
    logLines: log.lines,
    stop,
    cleanup: async () => {
      await stop();
      tmp?.cleanup();
    },
  };
}

/** A node-postgres client of the gateway as `who`; notices are collected. */
export interface HeldClient {
  readonly client: Client;
  readonly notices: string[];
  /** Resolves with the id in the first "held for approval" notice. */
  nextApprovalId(): Promise<string>;
}

export async function connectAs(gw: Pick<TestGateway, 'pgPort'>, who: Person): Promise<HeldClient> {
  const client = new Client({
    host: '127.0.0.1',
    port: gw.pgPort,
    user: who,
    password: tokenOf(who),
    database: 'local',
  });
  const notices: string[] = [];
  let wake: (() => void) | null = null;
  client.on('notice', (n) => {
    notices.push(`${n.message ?? ''}\n${(n as { detail?: string }).detail ?? ''}`);
    wake?.();
  });
  client.on('error', () => undefined);
  await client.connect();
  let seen = 0;
  return {
    client,
    notices,
    nextApprovalId: async () => {
      for (;;) {
        while (seen < notices.length) {
          const m = /held for approval (apr_[0-9A-Z]{26})/.exec(notices[seen++]!);
          if (m) return m[1]!;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** Runs a query and answers how it ended: its rows, or the error's SQLSTATE and message. */
export function outcome(
  c: Client,
  sql: string,
): Promise<{ rows: unknown[]; command: string } | { code: string; message: string }> {
  return c.query(sql).then(
    (r) => ({ rows: r.rows, command: r.command }),
    (e: { code?: string; message: string }) => ({ code: e.code ?? 'none', message: e.message }),
  );
}

/** A PostgreSQL CancelRequest for the client's session, sent to the gateway. */
export async function sendCancel(gw: Pick<TestGateway, 'pgPort'>, c: Client): Promise<void> {
  const keys = c as unknown as { processID: number; secretKey: number };
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(keys.processID, 8);
  packet.writeInt32BE(keys.secretKey, 12);
  await new Promise<void>((resolve, reject) => {
    const s = connect(gw.pgPort, '127.0.0.1', () => s.end(packet));
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

/** A call to the gateway's control API as `who`. */
export async function api(
  gw: Pick<TestGateway, 'controlPort'>,
  who: Person,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read whatever JSON the API sent
): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${gw.controlPort}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokenOf(who)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** A direct connection to the local PostgreSQL (setup and checks, not through the gateway). */
export async function direct<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** The audit records of a file (after the gateway stopped, so everything is flushed). */
export function auditRecords(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Polls until `check` holds; fails after `ms`. For state that settles in the background (a withdrawal). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
