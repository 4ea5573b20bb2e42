/** What a command may touch, so tests call commands directly and read their output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal(signal: NodeJS.Signals, handler: () => void): () => void;
  /**
   * True when this is the real `gatehouse` process, whose script node:cluster
   * can run again as a worker; tests leave it unset and run one process.
   */
  readonly canFork?: boolean;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    canFork: true,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
  };
}

/** Exit codes: 0 done, 1 failed (bad config, refused), 2 wrong usage. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
