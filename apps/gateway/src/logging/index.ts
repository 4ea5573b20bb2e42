export { createLogger, LOG_LEVELS, REDACT_PATHS, type LogLevel, type LoggerOptions } from './logger';
