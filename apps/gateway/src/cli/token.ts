import { ConfigError, formatDuration, loadConfig, parseDuration, type GatehouseConfig } from '../config';
import { NAME_PATTERN } from '../config/schema-helpers';
import { ensureDevIssuer, signDevToken } from '../identity';
import { ExitCode, type CliIo } from './cli-io';
import { findConfigFile, noConfigMessage } from './config-path';
import { parseCommandArgs } from './parse';

export const TOKEN_USAGE = `usage: gatehouse token --sub SUBJECT [--groups a,b] [--ttl 1h] [--audience AUD] [--config FILE]

Signs a token with the local development issuer's key (created on first use)
and prints only the token, so this works:
  TOKEN=$(pnpm -s gatehouse token --sub alice --groups dev)
The config must trust a dev issuer (identity.issuers[] with dev: true).
`;

/** Dev tokens are for a developer's session, not for long-lived automation (use service tokens). */
const MAX_TTL_MS = 7 * 86_400_000;
const MIN_TTL_MS = 1000;

/** `gatehouse token --sub S --groups a,b [--ttl 1h] [--audience AUD] [--config FILE]` */
export async function tokenCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      sub: { type: 'string' },
      groups: { type: 'string', default: '' },
      ttl: { type: 'string', default: '1h' },
      audience: { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    TOKEN_USAGE,
    io,
  );
  if (!parsed) return ExitCode.usage;
  const { values } = parsed;
  if (values.help) {
    io.stdout(TOKEN_USAGE);
    return ExitCode.ok;
  }
  const subject = values.sub?.trim() ?? '';
  if (subject === '') {
    io.stderr(`--sub is required: the subject (user name) the token is for\n\n${TOKEN_USAGE}`);
    return ExitCode.usage;
  }
  const groups = [...new Set(values.groups.split(',').map((g) => g.trim()).filter((g) => g !== ''))];
  const badGroup = groups.find((g) => !NAME_PATTERN.test(g));
  if (badGroup !== undefined) {
    io.stderr(`--groups: ${JSON.stringify(badGroup)} is not a group name (letters, digits and . _ : @ -, comma separated)\n`);
    return ExitCode.usage;
  }
  const ttlMs = parseDuration(values.ttl);
  if (ttlMs === null || ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) {
    io.stderr(`--ttl: expected a duration from 1s to ${formatDuration(MAX_TTL_MS)} such as 15m or 1h, got ${JSON.stringify(values.ttl)}\n`);
    return ExitCode.usage;
  }

  const file = findConfigFile(values.config, io.env, io.cwd);
  if (!file) {
    io.stderr(noConfigMessage(io.cwd));
    return ExitCode.failed;
  }
  let config: GatehouseConfig;
  try {
    config = loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`${err.message}\n(run: gatehouse check --config ${file})\n`);
    return ExitCode.failed;
  }
  const issuer = config.identity.issuers.find((i) => i.dev);
  if (!issuer) {
    io.stderr(
      `${file} trusts no dev issuer; add one under identity.issuers, such as:\n  - { issuer: gatehouse-dev, dev: true, audience: gatehouse }\n`,
    );
    return ExitCode.failed;
  }
  const audience = values.audience ?? issuer.audience[0]!;
  if (!issuer.audience.includes(audience)) {
    io.stderr(`--audience: the dev issuer accepts ${issuer.audience.join(', ')}, not ${JSON.stringify(audience)}\n`);
    return ExitCode.usage;
  }
  const keys = await ensureDevIssuer(issuer.key_dir!);
  const token = await signDevToken(keys, {
    issuer: issuer.issuer,
    audience,
    subject,
    groups,
    groupsClaim: issuer.groups_claim,
    ttlSeconds: Math.max(1, Math.round(ttlMs / 1000)),
  });
  io.stdout(`${token}\n`);
  return ExitCode.ok;
}
