import { randomBytes } from 'node:crypto';
import type { StatementFacts, TargetRef } from '@gatehouse/sql-core';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ApprovalService, type ApprovalServiceOptions, type CreateApprovalInput } from '../src';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const silentLogger = pino({ level: 'silent' });

/** A key prefix no other run (or test file) shares. */
export function uniquePrefix(): string {
  return `gh-test-approvals:${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under the prefix (requests, indexes, grants, BullMQ queues). */
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
    await redis.quit();
  }
}

export async function countKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.keys(`${prefix}:*`)).length;
  } finally {
    await redis.quit();
  }
}

/** Services made by `newService`, closed by `closeAll` in afterEach/afterAll. */
const open: ApprovalService[] = [];

export function newService(prefix: string, overrides: Partial<ApprovalServiceOptions> = {}): ApprovalService {
  const service = new ApprovalService({
    redis: REDIS_URL,
    keyPrefix: prefix,
    instanceId: 'gw-test-a',
    defaults: { approvers: ['dba'], required: 1, timeoutMs: 60_000, grantWindowMs: 60_000 },
    logger: silentLogger,
    recheckIntervalMs: 1000,
    ...overrides,
  });
  open.push(service);
  return service;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

export const prod: TargetRef = { name: 'prod', engine: 'postgres', environment: 'production' };

export function facts(normalized: string, overrides: Partial<StatementFacts> = {}): StatementFacts {
  return {
    kind: 'ddl',
    command: 'ALTER TABLE',
    tablesRead: [],
    tablesWritten: [{ schema: 'public', name: 'users' }],
    columns: [],
    functions: [],
    guardrails: [],
    fingerprint: `fp-${normalized.length}-${normalized.slice(0, 12)}`,
    normalized,
    ...overrides,
  };
}

export const ALICE = { subject: 'alice', groups: ['ci'] } as const;
export const DBA_BOB = { subject: 'bob', groups: ['dba'] } as const;
export const DBA_CAROL = { subject: 'carol', groups: ['dba', 'oncall'] } as const;

export function request(overrides: Partial<CreateApprovalInput> = {}): CreateApprovalInput {
  const sql = "UPDATE users SET email = 'jane@example.com' WHERE id = 42";
  return {
    requester: ALICE,
    target: prod,
    database: 'app',
    sql,
    statements: [
      facts('UPDATE users SET email = $1 WHERE id = $2', {
        kind: 'write',
        command: 'UPDATE',
        fingerprint: 'fp-update-users',
      }),
    ],
    ruleId: 'prod-writes',
    reason: 'writes to production need review',
    ...overrides,
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 20,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(stepMs);
  }
}
