import { join, resolve } from 'node:path';
import { z } from 'zod';
import { COLUMN_RULE_MASKS, ValueScan } from '@gatehouse/sql-core';
import type { ApprovalsConfig, WebhookConfig } from './config-types';
import { booleanFlag, byteSize, duration, envName, expecting, host, name, nameList, nonEmptyString, path, port, section, stringOrList } from './schema-helpers';
import { engine } from './targets-schema';

/** Default client-facing port per engine. */
export const DEFAULT_LISTENER_PORT = { postgres: 15432, mysql: 13306 } as const;

/** Where a listener's development certificate lives unless `dir` says otherwise. */
export const DEFAULT_DEV_TLS_DIR = './.gatehouse/dev-tls';

const tlsFiles = (baseDir: string) =>
  section(
    { cert: path(baseDir, 'a PEM certificate chain file'), key: path(baseDir, 'a PEM private key file') },
    'a mapping { cert: FILE, key: FILE }',
  ).transform((t) => ({ ...t, dev: false }));

/**
 * A self-signed certificate for localhost, made on first start under `dir`:
 * lets the quick start use sslmode=require without a CA. Never for production.
 */
const devTls = (baseDir: string) =>
  section(
    { dev: z.literal(true, { error: expecting('true') }), dir: path(baseDir, 'a directory for the development certificate').optional() },
    'a mapping { dev: true, dir: DIR }',
  ).transform((t) => {
    const dir = t.dir ?? resolve(baseDir, DEFAULT_DEV_TLS_DIR);
    return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), dev: true };
  });

const listenerTls = (baseDir: string) =>
  z.union([tlsFiles(baseDir), devTls(baseDir)], {
    error: expecting('a mapping { cert: FILE, key: FILE }, or { dev: true } for a development certificate'),
  });

export const listenerSchema = (baseDir: string) =>
  section(
    { engine, host: host().default('127.0.0.1'), port: port().optional(), tls: listenerTls(baseDir).optional() },
    'a listener mapping such as { engine: postgres, host: 127.0.0.1, port: 15432 }',
  ).transform((l) => ({ engine: l.engine, host: l.host, port: l.port ?? DEFAULT_LISTENER_PORT[l.engine], tls: l.tls ?? null }));

export const controlSchema = (baseDir: string) =>
  section({
    host: host().default('127.0.0.1'),
    port: port().default(8480),
    admins: nameList('group name').default([]),
    readiness_timeout: duration(100, 60_000).default(2000),
    tls: tlsFiles(baseDir).optional(),
    metrics: z.enum(['public', 'admin'], { error: expecting('public (GET /metrics needs no token) or admin') }).default('public'),
  })
    .prefault({})
    .transform((c) => ({ ...c, tls: c.tls ?? null }));

const MASK_NAME = /^[a-z][a-z0-9_-]*$/;
const MASKS: readonly string[] = COLUMN_RULE_MASKS;

export const maskingSchema = section({
  auto: booleanFlag().default(true),
  unmasked_groups: nameList('group name').default([]),
  strict_groups: nameList('group name').default([]),
  /** Env var holding the key of deterministic (HMAC) masks; never the key itself. */
  key_env: envName().optional(),
  deterministic: booleanFlag().default(false),
  value_scan: z
    .enum(Object.values(ValueScan) as [ValueScan, ...ValueScan[]], { error: expecting('unclassified, unknown-lineage or off') })
    .default('unclassified'),
  columns: z
    .array(
      section(
        {
          table: z.string({ error: expecting('a table such as public.users') }).regex(/^[^.\s]+(\.[^.\s]+)?$/, {
            error: 'expected a table such as public.users or users',
          }),
          column: nonEmptyString('a column name'),
          mask: z
            .string({ error: expecting('a mask name such as redact') })
            .regex(MASK_NAME, { error: 'expected a mask name such as redact, email or last4' })
            .refine((m) => MASKS.includes(m), { error: `expected a mask name: ${MASKS.join(', ')}` }),
        },
        'a column mapping such as { table: public.users, column: notes, mask: redact }',
      ),
      { error: expecting('a list of columns') },
    )
    .default([]),
})
  .prefault({})
  .superRefine((m, ctx) => {
    const both = m.unmasked_groups.filter((g) => m.strict_groups.includes(g));
    if (both.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['strict_groups'], message: `group ${both.join(', ')} is also in unmasked_groups; keep it in one`, input: undefined });
    }
    if (m.key_env === undefined && (m.deterministic || m.columns.some((c) => c.mask === 'deterministic'))) {
      ctx.addIssue({ code: 'custom', path: ['key_env'], message: 'deterministic masks need a key: name the environment variable that holds it in key_env', input: undefined });
    }
  })
  .transform((m) => ({ ...m, key_env: m.key_env ?? null }));

const APPROVAL_EVENTS = ['requested', 'approved', 'denied', 'expired', 'withdrawn', 'executed'] as const;

const requiredApprovals = () =>
  z
    .number({ error: expecting('the number of approvals required, 1-20') })
    .int({ error: expecting('the number of approvals required, 1-20') })
    .min(1, { error: expecting('the number of approvals required, 1-20') })
    .max(20, { error: expecting('the number of approvals required, 1-20') });

const httpUrl = (what: string) =>
  z.string({ error: expecting(what) }).refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { error: expecting(what) });

const webhookSchema = section(
  {
    name: name('a webhook name'),
    // A Slack incoming-webhook URL is itself a secret: url_env keeps it out of the file.
    url: httpUrl('an http:// or https:// URL').optional(),
    url_env: envName().optional(),
    format: z.enum(['json', 'slack'], { error: expecting('json or slack') }).default('json'),
    events: stringOrList(z.enum(APPROVAL_EVENTS, { error: expecting(`an approval event, one of: ${APPROVAL_EVENTS.join(', ')}`) }), 'approval events').optional(),
    /** Header name -> env var holding its value (header values such as Authorization are secrets). */
    headers_env: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'expected an HTTP header name' }), envName(), {
        error: expecting('a mapping of header name to environment variable name, such as { Authorization: HOOK_AUTH }'),
      })
      .optional(),
  },
  'a webhook mapping such as { name: dba-slack, url_env: DBA_SLACK_WEBHOOK_URL, format: slack }',
).transform((w, ctx): WebhookConfig => {
  if ((w.url === undefined) === (w.url_env === undefined)) {
    ctx.issues.push({ code: 'custom', path: ['url'], message: 'write exactly one of url and url_env', input: undefined });
  }
  return {
    name: w.name,
    url: w.url ?? null,
    url_env: w.url_env ?? null,
    format: w.format,
    events: w.events ?? null,
    headers_env: w.headers_env ?? {},
  };
});

export const approvalsSchema = section(
  {
    redis: z
      .string({ error: expecting('a redis:// or rediss:// URL such as redis://127.0.0.1:6379') })
      .refine((s) => /^rediss?:\/\/[^\s]+$/i.test(s), { error: 'expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379' })
      // Secrets never live in the YAML file (it is often committed); the URL's password would be one.
      .refine((s) => !/^rediss?:\/\/[^/@]*:[^/@]+@/i.test(s), {
        error: 'the Redis URL must not carry a password; the config file never holds secrets',
      }),
    key_prefix: z
      .string({ error: expecting('a Redis key prefix such as gatehouse:approvals') })
      .regex(/^[^\s{}]{1,200}$/, { error: 'expected a Redis key prefix such as gatehouse:approvals: 1-200 characters, no spaces or braces' })
      .default('gatehouse:approvals'),
    approvers: nameList('group name').refine((l) => l.length > 0, { error: 'expected at least one approver group' }),
    required: requiredApprovals().default(1),
    timeout: duration(10_000, 7 * 86_400_000).default(15 * 60_000),
    grant_window: duration(0, 30 * 86_400_000).default(60 * 60_000),
    webhooks: z.array(webhookSchema, { error: expecting('a list of webhooks') }).default([]),
    notifications: section({
      attempts: z.number({ error: expecting('a number of attempts 1-20') }).int().min(1).max(20).default(5),
      backoff: duration(100, 3_600_000).default(1000),
      timeout: duration(100, 300_000).default(5000),
      control_url: httpUrl('the control API base URL for links, such as https://gatehouse.example.com').optional(),
    }).prefault({}),
    retention: duration(60_000, 365 * 86_400_000).default(30 * 86_400_000),
    connect_timeout: duration(100, 60_000).default(2000),
    command_timeout: duration(100, 60_000).default(2000),
    recheck_interval: duration(100, 300_000).default(5000),
  },
  'an approvals mapping such as { redis: redis://127.0.0.1:6379, approvers: [dba] }',
).superRefine((a, ctx) => {
  const seen = new Set<string>();
  a.webhooks.forEach((w, i) => {
    if (seen.has(w.name)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `webhook "${w.name}" is listed twice; names must be unique`, input: undefined });
    seen.add(w.name);
  });
}).transform((a): ApprovalsConfig => ({
  ...a,
  notifications: { ...a.notifications, control_url: a.notifications.control_url ?? null },
}));

export const limitsSchema = section({
  // 64 MiB holds any realistic statement or row; PostgreSQL's own hard limit is 1 GiB.
  max_message_size: byteSize(1024, 1024 ** 3, '64MiB').default(64 * 1024 * 1024),
  connect_timeout: duration(100, 300_000).default(10_000),
  auth_timeout: duration(1000, 600_000).default(60_000),
  shutdown_grace: duration(0, 3_600_000).default(30_000),
}).prefault({});

export const workersSchema = z
  .union(
    [
      z.literal('auto'),
      z.number().int().min(1).max(1024),
    ],
    { error: expecting('auto or a number of worker processes 1-1024') },
  )
  .default('auto');

