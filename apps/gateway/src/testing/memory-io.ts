import { EventEmitter } from 'node:events';
import type { CliIo } from '../cli/cli-io';

/** A CliIo that records output and lets tests send signals. */
export function memoryIo(cwd: string, env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string; signal(name: NodeJS.Signals): void } {
  const signals = new EventEmitter();
  const io = {
    out: '',
    err: '',
    env,
    cwd,
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    onSignal: (signal: NodeJS.Signals, handler: () => void) => {
      signals.on(signal, handler);
      return () => void signals.off(signal, handler);
    },
    signal: (name: NodeJS.Signals) => void signals.emit(name),
  };
  return io;
}
