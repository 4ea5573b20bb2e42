export * from './config-types';
export { ConfigError } from './config-error';
export { loadConfig, parseConfig } from './load-config';
export { configWarnings, isLoopbackHost } from './config-warnings';
export { parseDuration, formatDuration, parseSize } from './schema-helpers';
export { SUPPORTED_ENGINES } from './config-schema';
export { DEFAULT_DEV_KEY_DIR } from './identity-schema';
