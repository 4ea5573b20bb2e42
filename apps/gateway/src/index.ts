/** The gateway app's public surface (for bench/ and end-to-end tests); the CLI is src/main.ts. */
export * from './config';
export * from './identity';
export * from './targets';
export * from './control';
export * from './logging';
export * from './runtime';
export { runCli } from './cli';
