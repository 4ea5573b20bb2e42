import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino, { type Logger } from 'pino';
import { startGateway, type RunningGateway } from '../../src/runtime';
import { freePort } from '../../src/testing/free-port';

/**
 * A real gateway (in this process, or its YAML for a child process) in front
 * of the local PostgreSQL (127.0.0.1:5432, trust, database test), with a
 * service token in group `ops` (an admin) and one in `dev` (not an admin).
 */
export interface GatewayKit {
  readonly dir: string;
  readonly auditFile: string;
  readonly pgPort: number;
  readonly controlPort: number;
  readonly token: string;
  readonly devToken: string;
  readonly configFile: string;
  client(token?: string): Client;
  api(path: string, token?: string): Promise<{ status: number; text: string; json: () => unknown }>;
  cleanup(): void;
}

export interface KitOptions {
  /** Extra keys inside `audit:` (YAML flow mapping entries). */
  readonly audit?: string;
  /** Extra top-level YAML. */
  readonly extra?: string;
  readonly workers?: number;
  readonly control?: string;
}

export async function gatewayKit(options: KitOptions = {}): Promise<GatewayKit> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-audit-e2e-'));
  const pgPort = await freePort();
  const controlPort = await freePort();
  const token = `audit-e2e-ops-${process.pid}-${Date.now()}`;
  const devToken = `audit-e2e-dev-${process.pid}-${Date.now()}`;
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const auditFile = join(dir, 'audit', 'audit.jsonl');
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(
    configFile,
    `workers: ${options.workers ?? 1}
listeners: [ { engine: postgres, host: 127.0.0.1, port: ${pgPort} } ]
control: { host: 127.0.0.1, port: ${controlPort}, admins: [ops]${options.control ? `, ${options.control}` : ''} }
identity:
  service_tokens:
    - { name: auditor, sha256: "${sha(token)}", groups: [ops] }
    - { name: developer, sha256: "${sha(devToken)}", groups: [dev] }
targets:
  - { name: local, engine: postgres, environment: test, upstream: { host: 127.0.0.1, port: 5432, database: test, tls: disable }, logins: [ { user: postgres } ] }
policy:
  rules:
    - { id: guardrails, when: { guardrails: ["*"] }, action: deny, reason: the statement tripped a guardrail }
    - { id: everything, when: { unknown: false }, action: allow }
audit: { file: ${auditFile}${options.audit ? `, ${options.audit}` : ''} }
limits: { shutdown_grace: 1s }
${options.extra ?? ''}
`,
  );
  return {
    dir,
    auditFile,
    pgPort,
    controlPort,
    token,
    devToken,
    configFile,
    client: (t = token) =>
      new Client({ host: '127.0.0.1', port: pgPort, user: 'someone', password: t, database: 'local' }),
    api: async (path, t = token) => {
      const res = await fetch(
        `http://127.0.0.1:${controlPort}${path}`,
        t ? { headers: { authorization: `Bearer ${t}` } } : {},
      );
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) as unknown };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function startKitGateway(
  kit: GatewayKit,
  logger: Logger = pino({ level: 'silent' }),
): Promise<RunningGateway> {
  return startGateway({ configFile: kit.configFile, env: process.env, logger });
}

/** A direct connection to the local PostgreSQL, as the superuser (setup, cleanup, checking what ran). */
export async function direct(): Promise<Client> {
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  return c;
}

export type AuditRecord = Record<string, unknown> & { seq: number; type: string; time: string };

/** The complete records of a file (a torn last line is left out). */
export function readRecords(path: string): AuditRecord[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last newline: empty, or a torn line
  return lines
    .filter((l) => l.length > 0)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as AuditRecord];
      } catch {
        return [];
      }
    });
}

/** Polls until `check` holds; fails after `ms`. */
export async function eventually<T>(check: () => T | Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The sum of the samples of `name` whose labels include `labels` (Prometheus text); null if there is none. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) have.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum = (sum ?? 0) + Number(m[4]);
  }
  return sum;
}
