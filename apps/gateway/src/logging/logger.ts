import pino, { type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SECRET_KEYS = ['password', 'token', 'authorization', 'credential', 'secret', 'cookie'] as const;

/**
 * Field names that may carry secrets, at the top level and two levels down
 * (`endpoint.password`, `req.headers.authorization`). A last line of defence:
 * code never logs these on purpose.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers["x-api-key"]',
];

export interface LoggerOptions {
  /** Overrides GATEHOUSE_LOG_LEVEL. */
  readonly level?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to stdout. */
  readonly destination?: DestinationStream;
}

function isLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && (LOG_LEVELS as readonly string[]).includes(value);
}

/** The gateway's root logger: JSON lines, level from GATEHOUSE_LOG_LEVEL (default info), secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const requested = options.level ?? (options.env ?? process.env).GATEHOUSE_LOG_LEVEL;
  const level = isLevel(requested) ? requested : 'info';
  const logger = pino(
    {
      name: 'gatehouse',
      level,
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      base: { pid: process.pid },
    },
    options.destination,
  );
  if (requested !== undefined && requested !== '' && !isLevel(requested)) {
    logger.warn({ requested: String(requested).slice(0, 20), allowed: LOG_LEVELS }, 'unknown log level; using info');
  }
  return logger;
}
