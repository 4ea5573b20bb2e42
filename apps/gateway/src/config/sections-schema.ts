import { z } from 'zod';
import { AuditFailureMode } from '@gatehouse/sql-core';
import type { ApprovalsConfig } from './config-types';
import { booleanFlag, byteSize, duration, expecting, host, nameList, nonEmptyString, path, port, section } from './schema-helpers';
import { engine } from './targets-schema';

/** Default client-facing port per engine. */
export const DEFAULT_LISTENER_PORT = { postgres: 15432, mysql: 13306 } as const;

const tlsFiles = (baseDir: string) =>
  section(
    { cert: path(baseDir, 'a PEM certificate chain file'), key: path(baseDir, 'a PEM private key file') },
    'a mapping { cert: FILE, key: FILE }',
  );

export const listenerSchema = (baseDir: string) =>
  section(
    { engine, host: host().default('127.0.0.1'), port: port().optional(), tls: tlsFiles(baseDir).optional() },
    'a listener mapping such as { engine: postgres, host: 127.0.0.1, port: 15432 }',
  ).transform((l) => ({ engine: l.engine, host: l.host, port: l.port ?? DEFAULT_LISTENER_PORT[l.engine], tls: l.tls ?? null }));

export const controlSchema = (baseDir: string) =>
  section({
    host: host().default('127.0.0.1'),
    port: port().default(8480),
    admins: nameList('group name').default([]),
    readiness_timeout: duration(100, 60_000).default(2000),
    tls: tlsFiles(baseDir).optional(),
  })
    .prefault({})
    .transform((c) => ({ ...c, tls: c.tls ?? null }));

const MASK_NAME = /^[a-z][a-z0-9_-]*$/;

export const maskingSchema = section({
  auto: booleanFlag().default(true),
  unmasked_groups: nameList('group name').default([]),
  strict_groups: nameList('group name').default([]),
  columns: z
    .array(
      section(
        {
          table: z.string({ error: expecting('a table such as public.users') }).regex(/^[^.\s]+(\.[^.\s]+)?$/, {
            error: 'expected a table such as public.users or users',
          }),
          column: nonEmptyString('a column name'),
          mask: z.string({ error: expecting('a mask name such as redact') }).regex(MASK_NAME, {
            error: 'expected a mask name such as redact, email or last4',
          }),
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
    approvers: nameList('group name').refine((l) => l.length > 0, { error: 'expected at least one approver group' }),
    required: z
      .number({ error: expecting('the number of approvals required, 1-10') })
      .int({ error: expecting('the number of approvals required, 1-10') })
      .min(1, { error: expecting('the number of approvals required, 1-10') })
      .max(10, { error: expecting('the number of approvals required, 1-10') })
      .default(1),
    timeout: duration(10_000, 7 * 86_400_000).default(15 * 60_000),
  },
  'an approvals mapping such as { redis: redis://127.0.0.1:6379, approvers: [dba] }',
).transform((a): ApprovalsConfig => a);

export const auditSchema = (baseDir: string) =>
  section({
    file: path(baseDir, 'the JSONL audit file path').prefault('./var/audit.jsonl'),
    on_failure: z
      .enum(Object.values(AuditFailureMode) as [AuditFailureMode, ...AuditFailureMode[]], {
        error: expecting('refuse (statements are refused when the audit cannot be written) or allow'),
      })
      .default('refuse'),
  }).prefault({});

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

