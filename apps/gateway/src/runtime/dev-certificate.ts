import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { TlsFilesConfig } from '../config';

const run = promisify(execFile);

/**
 * Makes the self-signed localhost certificate of a `tls: { dev: true }`
 * listener if it is missing. Uses the openssl command (Node has no X.509
 * writer). Written to a temporary name and renamed, so two processes
 * starting at once never read half a file.
 */
export async function ensureDevCertificate(tls: TlsFilesConfig): Promise<void> {
  if (!tls.dev || (existsSync(tls.cert) && existsSync(tls.key))) return;
  const dir = dirname(tls.cert);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const suffix = `.${process.pid}.tmp`;
  try {
    await run(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '825',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-keyout',
        tls.key + suffix,
        '-out',
        tls.cert + suffix,
      ],
      { timeout: 30_000 },
    );
  } catch (err) {
    rmSync(tls.key + suffix, { force: true });
    rmSync(tls.cert + suffix, { force: true });
    throw new Error(
      `could not make the development certificate in ${dir} with openssl: ${(err as Error).message}`,
    );
  }
  renameSync(tls.key + suffix, tls.key);
  renameSync(tls.cert + suffix, tls.cert);
}

export const devCertificateFiles = (dir: string): TlsFilesConfig => ({
  cert: join(dir, 'cert.pem'),
  key: join(dir, 'key.pem'),
  dev: true,
});
