import { ConfigError, configWarnings, formatDuration, loadConfig, type GatehouseConfig } from '../config';
import { ExitCode, type CliIo } from './cli-io';
import { findConfigFile, noConfigMessage } from './config-path';
import { parseCommandArgs } from './parse';

export const CHECK_USAGE = `usage: gatehouse check [--config FILE]

Validates the configuration and prints a summary, or every problem found.
Exit code 0 when valid (warnings included), 1 when not.
`;

function summary(c: GatehouseConfig): string {
  const lines = [
    `  workers: ${c.workers}`,
    `  listeners: ${c.listeners.map((l) => `${l.engine} ${l.host}:${l.port}${l.tls ? ' (tls)' : ''}`).join(', ')}`,
    `  control: ${c.control.host}:${c.control.port}${c.control.tls ? ' (tls)' : ''}, admins: ${c.control.admins.join(', ') || '(none)'}`,
    `  identity: ${c.identity.issuers.length} issuer(s)${c.identity.issuers.map((i) => ` ${i.issuer}${i.dev ? ' [dev]' : ''}`).join(',')}; ${c.identity.service_tokens.length} service token(s); plaintext from loopback: ${c.identity.allow_plaintext_loopback ? 'allowed' : 'refused'}`,
    '  targets:',
    ...c.targets.map(
      (t) =>
        `    ${t.name} (${t.engine}, ${t.environment}) -> ${t.upstream.host}:${t.upstream.port}/${t.upstream.database} tls=${t.upstream.tls}, logins: ${t.logins.map((l) => `${l.user}${l.groups.length ? ` [${l.groups.join(', ')}]` : ''}`).join(', ')}`,
    ),
    `  policy: ${c.policy.rules.length} rule(s)${c.policy.rules.length ? `: ${c.policy.rules.map((r) => `${r.id} (${r.action})`).join(', ')}` : ''}`,
    `  masking: ${c.masking.auto ? 'automatic' : 'configured columns only'}, unmasked groups: ${c.masking.unmasked_groups.join(', ') || '(none)'}`,
    `  approvals: ${c.approvals ? `${c.approvals.approvers.join(', ')} approve, ${c.approvals.required} needed, expire after ${formatDuration(c.approvals.timeout)}` : 'not configured (statements that need review are denied)'}`,
    `  audit: ${c.audit.file} (on failure: ${c.audit.on_failure})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `gatehouse check [--config FILE]` */
export async function checkCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } }, CHECK_USAGE, io);
  if (!parsed) return ExitCode.usage;
  if (parsed.values.help) {
    io.stdout(CHECK_USAGE);
    return ExitCode.ok;
  }
  const file = findConfigFile(parsed.values.config, io.env, io.cwd);
  if (!file) {
    io.stderr(noConfigMessage(io.cwd));
    return ExitCode.failed;
  }
  let config: GatehouseConfig;
  try {
    config = loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`${file}: invalid\n${err.issues.map((i) => `  - ${i}\n`).join('')}`);
    return ExitCode.failed;
  }
  io.stdout(`${file}: valid\n${summary(config)}`);
  const warnings = configWarnings(config, io.env);
  if (warnings.length > 0) io.stdout(`warnings:\n${warnings.map((w) => `  - ${w}\n`).join('')}`);
  return ExitCode.ok;
}
