import { statSync } from 'node:fs';
import type { GatehouseConfig } from './config-types';

interface FileRef {
  readonly key: string;
  readonly file: string;
}

function referencedFiles(c: GatehouseConfig): FileRef[] {
  const refs: FileRef[] = [];
  c.listeners.forEach((l, i) => {
    // A development certificate is made on first start, so it may not exist yet.
    if (l.tls && !l.tls.dev) refs.push({ key: `listeners[${i}].tls.cert`, file: l.tls.cert }, { key: `listeners[${i}].tls.key`, file: l.tls.key });
  });
  if (c.control.tls) refs.push({ key: 'control.tls.cert', file: c.control.tls.cert }, { key: 'control.tls.key', file: c.control.tls.key });
  c.identity.issuers.forEach((iss, i) => {
    if (iss.jwks?.kind === 'file') refs.push({ key: `identity.issuers[${i}].jwks`, file: iss.jwks.path });
    if (iss.jwks?.kind === 'url' && iss.jwks.ca) refs.push({ key: `identity.issuers[${i}].jwks_ca`, file: iss.jwks.ca });
  });
  c.targets.forEach((t, i) => {
    if (t.upstream.ca) refs.push({ key: `targets[${i}].upstream.ca`, file: t.upstream.ca });
  });
  return refs;
}

/** Every file the config names must exist when it is loaded, not when a client first needs it. */
export function checkReferencedFiles(c: GatehouseConfig): string[] {
  const problems: string[] = [];
  for (const { key, file } of referencedFiles(c)) {
    try {
      if (!statSync(file).isFile()) problems.push(`${key}: ${file} is not a file; point it at a file`);
    } catch {
      problems.push(`${key}: file ${file} does not exist or cannot be read; create it or fix the path (relative paths start at the config file's directory)`);
    }
  }
  return problems;
}
