import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_JWT_ALGORITHMS, JwtAlgorithm, type IssuerConfig, type JwksSourceConfig } from './config-types';
import { booleanFlag, duration, envName, expecting, name, nameList, nonEmptyString, path, section, stringOrList } from './schema-helpers';

/** Where the dev issuer keeps its key pair unless `key_dir` says otherwise. */
export const DEFAULT_DEV_KEY_DIR = './.gatehouse/dev-issuer';

const HMAC = new Set<JwtAlgorithm>(['HS256', 'HS384', 'HS512']);

const algorithm = z.enum(JwtAlgorithm, {
  error: `expected a JWS algorithm, one of: ${JwtAlgorithm.join(', ')} ("none" is never accepted)`,
});

const audienceList = stringOrList(nonEmptyString('an audience'), 'the audience (aud) Gatehouse accepts')
  .refine((list) => list.length > 0, { error: 'expected at least one audience' })
  .transform((list) => [...new Set(list)]);

const issuerSchema = (baseDir: string) =>
  section(
    {
      issuer: nonEmptyString('the exact "iss" claim of the issuer, such as https://idp.example.com'),
      audience: audienceList,
      jwks: nonEmptyString('a JWKS file path or an https:// URL').optional(),
      jwks_ca: path(baseDir, 'a PEM file of the CA that signed the JWKS host certificate').optional(),
      groups_claim: nonEmptyString('the name of the claim holding groups').default('groups'),
      algorithms: z
        .array(algorithm, { error: expecting('a list of JWS algorithms such as [RS256, ES256]') })
        .min(1, { error: 'expected at least one algorithm; remove the key to use the defaults' })
        .optional(),
      dev: booleanFlag().default(false),
      key_dir: path(baseDir, 'a directory for the dev issuer keys').optional(),
      secret_env: envName().optional(),
    },
    'an issuer mapping such as { issuer: https://idp.example.com, audience: gatehouse, jwks: https://idp.example.com/jwks.json }',
  ).transform((raw, ctx): IssuerConfig => {
    const fail = (key: string, message: string) => {
      ctx.issues.push({ code: 'custom', message, path: [key], input: undefined });
    };
    const algorithms = raw.algorithms ? [...new Set(raw.algorithms)] : raw.dev ? ['ES256' as const] : [...DEFAULT_JWT_ALGORITHMS];
    const hmac = algorithms.filter((a) => HMAC.has(a));
    let jwks: JwksSourceConfig | null = null;

    if (raw.dev) {
      if (raw.jwks !== undefined) fail('jwks', 'a dev issuer writes its own JWKS under key_dir; remove jwks');
      if (raw.secret_env !== undefined) fail('secret_env', 'a dev issuer signs with its own ES256 key; remove secret_env');
      if (!algorithms.includes('ES256')) fail('algorithms', 'a dev issuer signs with ES256; include ES256 or remove the key');
    } else if (raw.key_dir !== undefined) {
      fail('key_dir', 'key_dir is only for dev issuers; add dev: true or remove key_dir');
    }

    if (hmac.length > 0) {
      // A shared secret and public keys in one issuer invites algorithm confusion; keep them apart.
      if (hmac.length !== algorithms.length) fail('algorithms', 'do not mix HS* with asymmetric algorithms in one issuer');
      if (raw.secret_env === undefined) fail('secret_env', 'HS* algorithms need secret_env: NAME (the env var holding the shared secret)');
      if (raw.jwks !== undefined) fail('jwks', 'HS* issuers use secret_env, not jwks; remove jwks');
    } else if (raw.secret_env !== undefined && !raw.dev) {
      fail('secret_env', 'secret_env is only for HS* algorithms; list them in algorithms or remove secret_env');
    }

    if (!raw.dev && hmac.length === 0) {
      if (raw.jwks === undefined) {
        fail('jwks', 'required: expected a JWKS file path or an https:// URL');
      } else if (/^https:\/\//i.test(raw.jwks)) {
        jwks = { kind: 'url', url: raw.jwks, ca: raw.jwks_ca ?? null };
      } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.jwks)) {
        // Keys fetched over plain HTTP could be swapped by anyone on the path.
        fail('jwks', 'expected an https:// URL or a file path; JWKS over plain http:// is refused');
      } else {
        jwks = { kind: 'file', path: isAbsolute(raw.jwks) ? raw.jwks : resolve(baseDir, raw.jwks) };
      }
    }
    if (raw.jwks_ca !== undefined && jwks?.kind !== 'url') fail('jwks_ca', 'jwks_ca is only used with an https:// jwks URL; remove it');

    return {
      issuer: raw.issuer,
      audience: raw.audience,
      jwks,
      groups_claim: raw.groups_claim,
      algorithms,
      dev: raw.dev,
      key_dir: raw.dev ? (raw.key_dir ?? resolve(baseDir, DEFAULT_DEV_KEY_DIR)) : null,
      secret_env: raw.secret_env ?? null,
    };
  });

const serviceTokenSchema = section(
  {
    name: name('a token name'),
    sha256: z
      .string({ error: expecting('the SHA-256 hex digest of the token') })
      .regex(/^[0-9a-fA-F]{64}$/, {
        error:
          'expected the SHA-256 hex digest (64 hex characters) of the token, never the token itself; compute it with: printf %s "$TOKEN" | sha256sum',
      })
      .transform((hex) => hex.toLowerCase()),
    groups: nameList('group name').default([]),
  },
  'a service token mapping such as { name: ci, sha256: <hex>, groups: [ci] }',
);

export const identitySchema = (baseDir: string) =>
  section({
    allow_plaintext_loopback: booleanFlag().default(true),
    clock_skew: duration(0, 300_000).default(30_000),
    issuers: z.array(issuerSchema(baseDir), { error: expecting('a list of issuers') }).default([]),
    service_tokens: z.array(serviceTokenSchema, { error: expecting('a list of service tokens') }).default([]),
  }).prefault({});
