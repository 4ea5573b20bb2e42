import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config';
import { devCertificateFiles, ensureDevCertificate } from './dev-certificate';

const TARGETS = `targets:
  - { name: local, engine: postgres, environment: dev, upstream: { host: 127.0.0.1, port: 5432, database: test }, logins: [ { user: postgres } ] }
`;

describe('development certificate for a listener', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-devcert-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, for localhost and 127.0.0.1, and kept afterwards', async () => {
    const files = devCertificateFiles(join(dir, 'tls'));
    await ensureDevCertificate(files);
    const cert = new X509Certificate(readFileSync(files.cert));
    expect(cert.subject).toContain('CN=localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const made = statSync(files.cert).mtimeMs;
    await ensureDevCertificate(files);
    expect(statSync(files.cert).mtimeMs).toBe(made);
  });

  it('is configured with tls: { dev: true } under .gatehouse/dev-tls by default', () => {
    const config = parseConfig(
      `listeners: [ { engine: postgres, port: 15432, tls: { dev: true } } ]\n${TARGETS}`,
      dir,
    );
    expect(config.listeners[0]!.tls).toEqual({
      cert: join(dir, '.gatehouse/dev-tls/cert.pem'),
      key: join(dir, '.gatehouse/dev-tls/key.pem'),
      dev: true,
    });
    expect(() =>
      parseConfig(`listeners: [ { engine: postgres, tls: { dev: false } } ]\n${TARGETS}`, dir),
    ).toThrow(/listeners\[0\]\.tls/);
  });
});
