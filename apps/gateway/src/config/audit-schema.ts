import { z } from 'zod';
import { AuditFailureMode } from '@gatehouse/sql-core';
import type { AuditConfig, AuditPostgresConfig, AuditWebhookConfig, TracingConfig } from './config-types';
import { booleanFlag, byteSize, duration, envName, expecting, nonEmptyString, path, section } from './schema-helpers';
import { TARGET_NAME_PATTERN } from './targets-schema';

/** A table the audit sink creates: `name` or `schema.name`, lower-case identifiers (never quoted by users). */
const TABLE_PATTERN = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

const count = (what: string, min: number, max: number) =>
  z
    .number({ error: expecting(`${what} from ${min} to ${max}`) })
    .int({ error: expecting(`${what} from ${min} to ${max}`) })
    .min(min, { error: expecting(`${what} from ${min} to ${max}`) })
    .max(max, { error: expecting(`${what} from ${min} to ${max}`) });

/** Settings every secondary (best-effort) sink shares: batching and the bounded buffer. */
const replicaKeys = {
  batch: count('records per batch', 1, 5000).default(500),
  buffer: count('records held while the sink is unreachable', 100, 10_000_000).default(100_000),
  flush_interval: duration(10, 60_000).default(200),
} as const;

const postgresSink = section(
  {
    // A libpq URL in the environment (it holds a password, so never in the file).
    dsn_env: envName().optional(),
    // Or: the host, port, database and TLS of a configured target, with a login of its own.
    target: z.string({ error: expecting('a target name') }).regex(TARGET_NAME_PATTERN, { error: expecting('a target name') }).optional(),
    database: nonEmptyString('a database name').optional(),
    user: nonEmptyString('the user the audit sink logs in as').optional(),
    password_env: envName().optional(),
    table: z
      .string({ error: expecting('a table name such as gatehouse_audit or audit.records') })
      .regex(TABLE_PATTERN, { error: 'expected a lower-case table name such as gatehouse_audit or audit.records' })
      .default('gatehouse_audit'),
    query: booleanFlag().default(true),
    ...replicaKeys,
  },
  'a mapping such as { dsn_env: GATEHOUSE_AUDIT_DSN, table: gatehouse_audit } or { target: prod, user: gatehouse_audit, password_env: AUDIT_PG_PASSWORD }',
).transform((p, ctx): AuditPostgresConfig => {
  if ((p.dsn_env === undefined) === (p.target === undefined)) {
    ctx.issues.push({ code: 'custom', path: ['dsn_env'], message: 'write exactly one of dsn_env (a libpq URL in that variable) and target', input: undefined });
  }
  if (p.target !== undefined && p.user === undefined) {
    ctx.issues.push({ code: 'custom', path: ['user'], message: 'with target, write the user the audit sink logs in as (and password_env if it needs one)', input: undefined });
  }
  if (p.dsn_env !== undefined && (p.user !== undefined || p.password_env !== undefined || p.database !== undefined)) {
    ctx.issues.push({ code: 'custom', path: ['dsn_env'], message: 'with dsn_env, put the user, password and database in the URL; remove user, password_env and database', input: undefined });
  }
  return {
    dsn_env: p.dsn_env ?? null,
    target: p.target ?? null,
    database: p.database ?? null,
    user: p.user ?? null,
    password_env: p.password_env ?? null,
    table: p.table,
    query: p.query,
    batch: p.batch,
    buffer: p.buffer,
    flush_interval: p.flush_interval,
  };
});

const webhookSink = section(
  {
    url: z
      .string({ error: expecting('an http:// or https:// URL') })
      .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), { error: expecting('an http:// or https:// URL') })
      .optional(),
    // SIEM collector URLs often carry a token: url_env keeps it out of the file.
    url_env: envName().optional(),
    headers_env: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'expected an HTTP header name' }), envName(), {
        error: expecting('a mapping of header name to environment variable name, such as { Authorization: SIEM_TOKEN }'),
      })
      .default({}),
    timeout: duration(100, 300_000).default(5000),
    ...replicaKeys,
    flush_interval: duration(10, 60_000).default(1000),
  },
  'a mapping such as { url_env: SIEM_URL, headers_env: { Authorization: SIEM_TOKEN } }',
).transform((w, ctx): AuditWebhookConfig => {
  if ((w.url === undefined) === (w.url_env === undefined)) {
    ctx.issues.push({ code: 'custom', path: ['url'], message: 'write exactly one of url and url_env', input: undefined });
  }
  return {
    url: w.url ?? null,
    url_env: w.url_env ?? null,
    headers_env: w.headers_env,
    timeout: w.timeout,
    batch: w.batch,
    buffer: w.buffer,
    flush_interval: w.flush_interval,
  };
});

const keepFullText = z.union(
  [
    booleanFlag(),
    z.array(z.string().regex(TARGET_NAME_PATTERN), { error: expecting('a list of target names') }),
  ],
  { error: expecting('false (the default), true, or a list of target names') },
);

export const auditSchema = (baseDir: string) =>
  section({
    enabled: booleanFlag().default(true),
    file: path(baseDir, 'the JSONL audit file path').prefault('./var/audit.jsonl'),
    on_failure: z
      .enum(Object.values(AuditFailureMode) as [AuditFailureMode, ...AuditFailureMode[]], {
        error: expecting('refuse (statements are refused when the audit cannot be written) or allow'),
      })
      .default('refuse'),
    durability: z.enum(['write', 'fsync'], { error: expecting('write (the default) or fsync') }).default('write'),
    fsync_interval: duration(1, 60_000).default(50),
    fsync_records: count('a number of records', 1, 1_000_000).default(1000),
    rotate_size: byteSize(1024 * 1024, 1024 ** 4, '256MiB').default(256 * 1024 * 1024),
    keep_full_text: keepFullText.default(false),
    postgres: postgresSink.optional(),
    webhook: webhookSink.optional(),
  })
    .prefault({})
    .transform((a, ctx): AuditConfig => {
      if (!a.enabled && (a.postgres !== undefined || a.webhook !== undefined)) {
        ctx.issues.push({ code: 'custom', path: ['enabled'], message: 'the postgres and webhook sinks copy the file chain; with enabled: false there is none, so remove them or enable the audit', input: undefined });
      }
      return {
        ...a,
        keep_full_text: Array.isArray(a.keep_full_text) ? [...new Set(a.keep_full_text)] : a.keep_full_text,
        postgres: a.postgres ?? null,
        webhook: a.webhook ?? null,
      };
    });

export const tracingSchema = section({
  // The analyser's normalised text (literals replaced by placeholders) in db.query.text; never the client's text.
  statement_text: booleanFlag().default(false),
})
  .prefault({})
  .transform((t): TracingConfig => t);
