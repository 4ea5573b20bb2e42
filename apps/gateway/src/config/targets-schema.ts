import { z } from 'zod';
import { Engine, UpstreamTlsMode } from '@gatehouse/sql-core';
import type { TargetConfig } from './config-types';
import { envName, expecting, host, name, nameList, nonEmptyString, path, port, section } from './schema-helpers';

/** Default upstream port per engine. */
export const DEFAULT_UPSTREAM_PORT = { postgres: 5432, mysql: 3306 } as const satisfies Record<Engine, number>;

export const engine = z.enum(Object.values(Engine) as [Engine, ...Engine[]], { error: expecting('postgres or mysql') });

const tlsMode = z.enum(Object.values(UpstreamTlsMode) as [UpstreamTlsMode, ...UpstreamTlsMode[]], {
  error: expecting('one of disable, prefer, require, verify-full'),
});

/**
 * Target names travel in the client's database field (`prod` or `prod/otherdb`),
 * so they cannot contain `/` and stay within PostgreSQL's 63-byte identifier limit.
 */
export const TARGET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const upstreamSchema = (baseDir: string) =>
  section(
    {
      host: host(),
      port: port().optional(),
      database: nonEmptyString('the upstream database used when the client names only the target'),
      tls: tlsMode.default('prefer'),
      ca: path(baseDir, 'a PEM file of CA certificates trusted for verify-full').optional(),
    },
    'an upstream mapping such as { host: 127.0.0.1, port: 5432, database: app, tls: prefer }',
  );

const loginSchema = section(
  {
    groups: nameList('group name').default([]),
    user: nonEmptyString('the upstream user name'),
    password_env: envName().optional(),
  },
  'a login mapping such as { groups: [ci], user: migrator, password_env: PROD_MIGRATOR_PASSWORD }',
);

export const targetSchema = (baseDir: string) =>
  section(
    {
      name: z
        .string({ error: expecting('a target name such as prod') })
        .regex(TARGET_NAME_PATTERN, {
          error: 'expected a target name of letters, digits, _ and - (at most 63, no "/"), such as prod',
        }),
      engine,
      environment: name('an environment label such as production or staging'),
      upstream: upstreamSchema(baseDir),
      logins: z
        .array(loginSchema, { error: expecting('a list of upstream logins') })
        .min(1, { error: 'expected at least one login such as { user: app_readonly, password_env: PROD_RO_PASSWORD }' }),
    },
    'a target mapping with name, engine, environment, upstream and logins',
  ).transform((raw, ctx): TargetConfig => {
    if (raw.upstream.ca !== undefined && raw.upstream.tls !== 'verify-full') {
      ctx.issues.push({
        code: 'custom',
        path: ['upstream', 'ca'],
        message: 'ca is only used with tls: verify-full; set tls: verify-full or remove ca',
        input: undefined,
      });
    }
    // A login without groups matches everyone, so anything after it could never be chosen.
    const catchAll = raw.logins.findIndex((l) => l.groups.length === 0);
    if (catchAll !== -1 && catchAll < raw.logins.length - 1) {
      ctx.issues.push({
        code: 'custom',
        path: ['logins', catchAll + 1],
        message: `this login can never be chosen: logins[${catchAll}] has no groups and matches everyone; move the catch-all login last`,
        input: undefined,
      });
    }
    return {
      name: raw.name,
      engine: raw.engine,
      environment: raw.environment,
      upstream: {
        host: raw.upstream.host,
        port: raw.upstream.port ?? DEFAULT_UPSTREAM_PORT[raw.engine],
        database: raw.upstream.database,
        tls: raw.upstream.tls,
        ca: raw.upstream.ca ?? null,
      },
      logins: raw.logins.map((l) => ({ groups: l.groups, user: l.user, password_env: l.password_env ?? null })),
    };
  });
