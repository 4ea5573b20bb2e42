import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCert } from './test-certs';

/**
 * A private PostgreSQL cluster on a free port, for upstream logins that need
 * real passwords (the machine's own cluster trusts loopback). Roles:
 * scram_user (SCRAM-SHA-256), md5_user (MD5), plain_user (cleartext), all
 * with password `s3cret-<role>`; TLS on with a self-signed certificate.
 */
export interface ThrowawayCluster {
  readonly port: number;
  readonly caPem: string;
  stop(): void;
}

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const data = join(dir, 'data');
  const pg = userIds('postgres');
  chownSync(dir, pg.uid, pg.gid);
  const asPostgres = (cmd: string, args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'ignore', cwd: dir });
  };
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const cert = makeTestCert();
  copyFileSync(cert.certFile, join(data, 'server.crt'));
  copyFileSync(cert.keyFile, join(data, 'server.key'));
  cert.remove();
  for (const f of ['server.crt', 'server.key']) {
    chownSync(join(data, f), pg.uid, pg.gid);
    chmodSync(join(data, f), 0o600);
  }
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      'host all scram_user 127.0.0.1/32 scram-sha-256',
      'host all md5_user 127.0.0.1/32 md5',
      'host all plain_user 127.0.0.1/32 password',
      'host all all 127.0.0.1/32 reject',
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'ssl = on',
      'fsync = off',
    ].join('\n') + '\n',
  );
  asPostgres('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), 'start']);
  const sql = [
    "set password_encryption = 'scram-sha-256'",
    "create role scram_user login password 's3cret-scram_user'",
    "create role plain_user login password 's3cret-plain_user'",
    "set password_encryption = 'md5'",
    "create role md5_user login password 's3cret-md5_user'",
  ];
  execFileSync(
    'psql',
    [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-qAt',
      ...sql.flatMap((s) => ['-c', s]),
    ],
    {
      stdio: 'ignore',
    },
  );
  return {
    port,
    caPem: cert.cert,
    stop: () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (install postgresql)');
}

function userIds(name: string): { uid: number; gid: number } {
  const u = Number(execFileSync('id', ['-u', name]).toString().trim());
  const g = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid: u, gid: g };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
