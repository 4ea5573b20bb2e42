import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Looked for in the working directory, in order, when neither --config nor GATEHOUSE_CONFIG is given. */
export const DEFAULT_CONFIG_FILES = ['gatehouse.yaml', 'gatehouse.example.yaml'] as const;

/** --config, else GATEHOUSE_CONFIG, else the first default file that exists; null when none does. */
export function findConfigFile(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string | null {
  if (flag !== undefined) return resolve(cwd, flag);
  if (env.GATEHOUSE_CONFIG) return resolve(cwd, env.GATEHOUSE_CONFIG);
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function noConfigMessage(cwd: string): string {
  return `no config file: pass --config FILE or set GATEHOUSE_CONFIG (looked for ${DEFAULT_CONFIG_FILES.join(', ')} in ${cwd})\n`;
}
