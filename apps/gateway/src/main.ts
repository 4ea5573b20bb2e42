#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli';

// Before anything compiles WebAssembly: the SQL parser (libpg-query) stays on V8's baseline
// compiler. The optimising recompile, in background threads, left 60-100 MB of freed compiler
// memory in each process's RSS (glibc keeps it); baseline code parses a new statement in about
// 30 us instead of 26 at the median, with a better p99, and cached statements do not parse.
setFlagsFromString('--liftoff-only');

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`gatehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
