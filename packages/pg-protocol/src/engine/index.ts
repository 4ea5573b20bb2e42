export { PostgresEngine } from './engine';
export type { PostgresEngineOptions } from './engine-options';
export { CancelKeyRegistry } from './cancel-keys';
export { connectUpstream, dialUpstream, type UpstreamConnection } from './upstream-connection';
