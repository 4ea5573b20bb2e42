export * from './chain-tail';
export * from './file-lock';
export * from './file-sink';
export * from './group-fsync';
export * from './live-file';
export * from './rotation';
export * from './verify-files';
export * from './open-sinks';
