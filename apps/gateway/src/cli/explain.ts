import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type GatehouseConfig } from '../config';
import { NAME_PATTERN } from '../config/schema-helpers';
import { ExplainInputError, Explainer } from '../explain';
import { ExitCode, type CliIo } from './cli-io';
import { findConfigFile, noConfigMessage } from './config-path';
import { formatExplainReport } from './explain-format';
import { parseCommandArgs } from './parse';

export const EXPLAIN_USAGE = `usage: gatehouse explain --as SUBJECT [--groups a,b] --target NAME [--database DB]
                         [--config FILE] [--json] "SQL" | --file FILE

Shows what the gateway would do with a statement, without running it: the
facts the analyser finds in each statement (kind, tables read and written,
columns, functions, guardrails), every policy rule in order with why it did or
did not match, the decision (allow, deny or review) with what the client
would see, and which result columns would be masked for the identity and why.
Nothing is recorded and nothing runs: to learn the result columns, statements
that would run are described by the target (Parse + Describe, never executed)
with the upstream login the identity's groups choose.

  --as SUBJECT     the identity's subject, as its token would carry it
  --groups a,b     the identity's groups (none when left out)
  --target NAME    a configured target (may be left out when only one is configured)
  --database DB    the upstream database (default: the target's)
  --file FILE      read the SQL from a file instead of the argument
  --json           print the report as JSON (the same as POST /v1/explain)

Exit code 0 whatever the decision, 1 when the config is invalid, 2 on usage errors.
`;

/** `gatehouse explain --as S --groups a,b --target T [--database D] [--config F] [--json] "SQL"` */
export async function explainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      as: { type: 'string' },
      groups: { type: 'string', default: '' },
      target: { type: 'string' },
      database: { type: 'string' },
      file: { type: 'string' },
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    EXPLAIN_USAGE,
    io,
    true,
  );
  if (!parsed) return ExitCode.usage;
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(EXPLAIN_USAGE);
    return ExitCode.ok;
  }
  const usage = (problem: string): number => {
    io.stderr(`${problem}\n\n${EXPLAIN_USAGE}`);
    return ExitCode.usage;
  };

  const subject = values.as?.trim() ?? '';
  if (subject === '') return usage('--as is required: the subject (user or service) the statement runs as');
  const groups = [
    ...new Set(
      values.groups
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== ''),
    ),
  ];
  const badGroup = groups.find((g) => !NAME_PATTERN.test(g));
  if (badGroup !== undefined) {
    return usage(
      `--groups: ${JSON.stringify(badGroup)} is not a group name (letters, digits and . _ : @ -, comma separated)`,
    );
  }
  if (values.database !== undefined && values.database.trim() === '')
    return usage('--database: give a database name, or leave it out');

  let sql: string;
  if (values.file !== undefined) {
    if (positionals.length > 0) return usage('give the SQL either as the argument or with --file, not both');
    try {
      sql = readFileSync(resolve(io.cwd, values.file), 'utf8');
    } catch (err) {
      return usage(`--file: cannot read ${values.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (positionals.length === 1) {
    sql = positionals[0]!;
  } else if (positionals.length === 0) {
    return usage('the SQL to explain is missing: give it as one quoted argument, or use --file FILE');
  } else {
    return usage(
      `expected the SQL as one quoted argument, got ${positionals.length} arguments; quote it: "select * from t"`,
    );
  }
  if (sql.trim() === '') return usage('the SQL is empty');

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
    io.stderr(`${file}: invalid\n${err.issues.map((i) => `  - ${i}\n`).join('')}`);
    return ExitCode.failed;
  }

  let target = values.target;
  if (target === undefined) {
    if (config.targets.length !== 1) {
      return usage(
        `--target is required: one of ${config.targets.map((t) => t.name).join(', ') || '(no targets configured)'}`,
      );
    }
    target = config.targets[0]!.name;
  }

  const explainer = await Explainer.create({ env: io.env });
  try {
    const report = await explainer.explain(config, {
      subject,
      groups,
      target,
      ...(values.database !== undefined ? { database: values.database } : {}),
      sql,
    });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatExplainReport(report));
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof ExplainInputError) return usage(`--target: ${err.message}`);
    throw err;
  }
}
