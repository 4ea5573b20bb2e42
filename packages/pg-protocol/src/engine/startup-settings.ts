import {
  GatewayError,
  GatewayErrorCode,
  StatementSource,
  type Pipeline,
  type SessionContext,
  type StatementEvent,
  quoteIdentifier,
} from '@gatehouse/sql-core';
import type { ErrorFields } from '../codec';
import { runStartupQuery, type UpstreamConnection, type UpstreamDialOptions } from './upstream-connection';

/**
 * Formatting parameters drivers send on every connection (pgjdbc, npgsql,
 * libpq): forwarded as they are, unjudged, as the gateway always has.
 */
const FORMAT_PARAMETERS: ReadonlySet<string> = new Set([
  'application_name',
  'datestyle',
  'timezone',
  'intervalstyle',
  'extra_float_digits',
]);

/**
 * Startup keys that are not run-time settings. `client_encoding` is the
 * gateway's (always UTF8: statements are analysed in UTF-8, and the client
 * learns the encoding from ParameterStatus, as after libpq's `auto`).
 */
const NOT_SETTINGS: ReadonlySet<string> = new Set([
  'user',
  'database',
  'options',
  'replication',
  'client_encoding',
]);

/** GUC names as SET can spell them; anything else is refused rather than quoted into SQL. */
const SETTING_NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)*$/;

/**
 * The run-time settings a client asked for at startup: GUCs given as startup
 * parameters (node-postgres `statement_timeout`, npgsql `search_path`...) and
 * `-c name=value` / `--name=value` in `options` (libpq PGOPTIONS). The server
 * applies them as if the session had run `SET` first, so the gateway judges
 * them as that `SET` string, with the same analysis and policy (a denied or
 * held setting refuses the connection: a client that asked for
 * `default_transaction_read_only` or a statement timeout must not silently
 * run without it). Only the formatting parameters go in the upstream
 * StartupMessage: the allowed settings are recorded as the session's
 * statement 0 and only then run on the upstream as those SET statements,
 * so nothing reaches the server before its intent is on the record.
 */
export class StartupSettings {
  /** Parameters for the upstream StartupMessage (user and database are the gateway's). */
  readonly upstreamParameters: ReadonlyMap<string, string>;
  /** The settings as the SET statements they amount to; null when there are none to judge. */
  readonly statement: string | null;
  readonly #names: readonly string[];

  private constructor(upstream: Map<string, string>, judged: Map<string, string>) {
    this.upstreamParameters = upstream;
    this.#names = [...judged.keys()];
    this.statement =
      judged.size === 0
        ? null
        : [...judged].map(([name, value]) => `SET ${quoteDotted(name)} TO ${quoteValue(value)}`).join('; ');
  }

  /** Reads the client's startup parameters; refuses switches in `options` that are not settings. */
  static fromStartup(parameters: ReadonlyMap<string, string>): StartupSettings {
    const upstream = new Map<string, string>([['client_encoding', 'UTF8']]);
    const judged = new Map<string, string>();
    // The server applies `options` first and the startup parameters after, so the latter win.
    const options = parameters.get('options');
    if (options !== undefined) {
      for (const [name, value] of parseOptions(options)) addSetting(judged, name, value, 'options');
    }
    for (const [key, value] of parameters) {
      const name = key.toLowerCase();
      if (NOT_SETTINGS.has(name)) continue;
      if (FORMAT_PARAMETERS.has(name)) {
        upstream.set(key, value);
        judged.delete(name);
      } else addSetting(judged, name, value, 'a startup parameter');
    }
    return new StartupSettings(upstream, judged);
  }

  /**
   * Analysis and policy of the settings before the upstream sees them
   * (nothing recorded): throws GatewayError unless the policy allows them.
   */
  judge(pipeline: Pipeline, session: SessionContext): void {
    const event = this.#event(session);
    if (event === null) return;
    let judged: ReturnType<Pipeline['decide']>;
    try {
      judged = pipeline.decide(event);
    } catch (err) {
      throw new GatewayError(
        GatewayErrorCode.analysisFailed,
        `the startup settings ${this.#list()} could not be judged`,
        { cause: err },
      );
    }
    const { statements, verdict } = judged;
    if (verdict === null || verdict.action === 'allow') return;
    const why =
      verdict.action === 'review'
        ? `they need approval (${verdict.reason}); connect without them and run SET once connected`
        : verdict.reason;
    throw new GatewayError(
      statements.some((s) => s.kind === 'unknown')
        ? GatewayErrorCode.analysisFailed
        : GatewayErrorCode.policyDenied,
      `the startup settings ${this.#list()} are not allowed: ${why} (rule ${verdict.ruleId})`,
    );
  }

  /**
   * Records the settings as statement 0 of a session already on the record,
   * then runs them on the upstream, then records their outcome; returns the
   * upstream as the client is to see it (ParameterStatus the SETs changed).
   * Throws GatewayError when the audit refuses the intent
   * (`audit_unavailable`) or the policy changed since `judge` and no longer
   * allows them, and StartupSettingsRefused when the server refuses them.
   */
  async apply(
    pipeline: Pipeline,
    session: SessionContext,
    upstream: UpstreamConnection,
    options: UpstreamDialOptions,
  ): Promise<UpstreamConnection> {
    const event = this.#event(session);
    if (event === null || this.statement === null) return upstream;
    // Judged again first, synchronously, so onStatement cannot start a review the handshake can't carry.
    this.judge(pipeline, session);
    const decision = await pipeline.onStatement(event);
    if (decision.action === 'deny') {
      throw new GatewayError(
        decision.code,
        decision.code === GatewayErrorCode.auditUnavailable
          ? `the startup settings ${this.#list()} were not applied: ${decision.reason}`
          : `the startup settings ${this.#list()} are not allowed: ${decision.reason} (rule ${decision.ruleId})`,
      );
    }
    if (decision.action !== 'allow') {
      throw new GatewayError(
        GatewayErrorCode.approvalDenied,
        `the startup settings ${this.#list()} need approval; connect without them and run SET once connected`,
      );
    }
    const started = performance.now();
    const outcome = (sqlstate: string | null, unanswered = false): void =>
      pipeline.onStatementEnd(event, {
        rowsReturned: null,
        rowsAffected: null,
        sqlstate,
        durationMs: performance.now() - started,
        ...(unanswered ? { unanswered } : {}),
      });
    let answer: Awaited<ReturnType<typeof runStartupQuery>>;
    try {
      answer = await runStartupQuery(upstream, this.statement, options);
    } catch (err) {
      outcome(null, true);
      throw new GatewayError(
        GatewayErrorCode.upstreamUnavailable,
        `the upstream did not answer the startup settings ${this.#list()}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    outcome(answer.error === null ? null : answer.error.code || 'XX000');
    if (answer.error !== null) throw new StartupSettingsRefused(answer.error);
    return answer.upstream;
  }

  #event(session: SessionContext): StatementEvent | null {
    if (this.statement === null) return null;
    return { session, seq: 0, sql: this.statement, source: StatementSource.simple, inTransaction: false };
  }

  #list(): string {
    return this.#names.join(', ');
  }
}

/**
 * The server refused the startup settings (an invalid value, a setting that
 * does not exist or cannot be changed now): the client gets the server's own
 * error, FATAL, as a direct connection does.
 */
export class StartupSettingsRefused extends Error {
  override readonly name = 'StartupSettingsRefused';
  readonly fields: ErrorFields;
  constructor(server: ErrorFields) {
    super(`the upstream refused the startup settings: ${server.message} (SQLSTATE ${server.code})`);
    // Only what describes the setting: positions would point into the gateway's SET statement.
    this.fields = {
      severity: 'FATAL',
      severityNonLocalized: 'FATAL',
      code: server.code || 'XX000',
      message: server.message,
      ...(server.detail === undefined ? {} : { detail: server.detail }),
      ...(server.hint === undefined ? {} : { hint: server.hint }),
    };
  }
}

function addSetting(settings: Map<string, string>, name: string, value: string, where: string): void {
  if (!SETTING_NAME.test(name) || NOT_SETTINGS.has(name) || name.startsWith('_pq_.')) {
    throw new GatewayError(
      GatewayErrorCode.protocolViolation,
      `"${name.slice(0, 64)}" in ${where} is not a setting Gatehouse can pass on`,
    );
  }
  settings.delete(name); // a later value wins, in the later position
  settings.set(name, value);
}

/**
 * Splits `options` as the server does (pg_split_opts: whitespace separates,
 * a backslash takes the next character literally) and reads the switches it
 * accepts from clients that are settings: `-c name=value`, `-cname=value`
 * and `--name=value` (dashes in the name read as underscores). Any other
 * switch (`-e`, `-d 5`, `-B`...) is refused rather than dropped.
 */
export function parseOptions(options: string): [string, string][] {
  const words = splitOptions(options);
  const settings: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let assignment: string | undefined;
    if (word === '-c') assignment = words[++i];
    else if (word.startsWith('-c')) assignment = word.slice(2);
    else if (word.startsWith('--') && word.length > 2) assignment = word.slice(2);
    else {
      throw new GatewayError(
        GatewayErrorCode.protocolViolation,
        `the startup option "${word.slice(0, 64)}" is not supported through Gatehouse; use -c name=value`,
      );
    }
    const eq = assignment?.indexOf('=') ?? -1;
    if (assignment === undefined || eq <= 0) {
      throw new GatewayError(
        GatewayErrorCode.protocolViolation,
        `the startup option "${word.slice(0, 64)}" needs name=value`,
      );
    }
    settings.push([assignment.slice(0, eq).replace(/-/g, '_').toLowerCase(), assignment.slice(eq + 1)]);
  }
  return settings;
}

function splitOptions(options: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i]!;
    if (' \t\n\r\f\v'.includes(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === '\\' && i + 1 < options.length) {
      word = (word ?? '') + options[++i];
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** Each part double-quoted: SETTING_NAME admits no quote, and `"role"` is then a name, not the keyword. */

/** A standard string literal (the gateway analyses with standard_conforming_strings on). */
function quoteValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A setting's name as SET writes it: each dotted part quoted (`"my"."setting"`). */
function quoteDotted(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}
