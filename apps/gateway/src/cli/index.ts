import { approvalsCommand, APPROVALS_USAGE } from './approvals';
import { auditVerifyCommand } from './audit-verify';
import { checkCommand, CHECK_USAGE } from './check';
import { ExitCode, processIo, type CliIo } from './cli-io';
import { explainCommand, EXPLAIN_USAGE } from './explain';
import { startCommand, START_USAGE } from './start';
import { tokenCommand, TOKEN_USAGE } from './token';

export { processIo, ExitCode, type CliIo } from './cli-io';
export { approvalsCommand } from './approvals';
export { checkCommand } from './check';
export { explainCommand } from './explain';
export { startCommand } from './start';
export { tokenCommand } from './token';

const AUDIT_USAGE = `usage: gatehouse audit verify [options] FILE...   (gatehouse audit verify --help for options)
`;

/** `gatehouse audit <subcommand>`; today only `verify`. */
async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return auditVerifyCommand([...rest], io);
  io.stderr(`${sub === undefined ? 'missing' : `unknown`} audit subcommand${sub === undefined ? '' : ` ${JSON.stringify(sub)}`}\n\n${AUDIT_USAGE}`);
  return ExitCode.usage;
}

const COMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  start: startCommand,
  check: checkCommand,
  explain: explainCommand,
  token: tokenCommand,
  audit: auditCommand,
  approvals: approvalsCommand,
};

export const USAGE = `usage: gatehouse <command> [options]

commands:
  start   [--config FILE]                              run the gateway
  check   [--config FILE]                              validate the configuration
  explain --as SUBJECT --groups a,b --target NAME "SQL" the decision and why, without running it
  token   --sub SUBJECT [--groups a,b] [--ttl 1h]      sign a token with the dev issuer
  audit   verify FILE...                               prove an audit file's hash chain
  approvals list|show ID|approve ID|deny ID            read and decide held statements (control API)

The config file is --config, else $GATEHOUSE_CONFIG, else ./gatehouse.yaml,
else ./gatehouse.example.yaml. Run \`gatehouse <command> --help\` for details.

${START_USAGE}
${CHECK_USAGE}
${EXPLAIN_USAGE}
${TOKEN_USAGE}
${AUDIT_USAGE}
${APPROVALS_USAGE}`;

/** The `gatehouse` command line; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  return run(args, io);
}
