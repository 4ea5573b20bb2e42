import { ConfigError, configWarnings, parseConfig } from '../../src/config';
import { restartOnlyChanges } from '../../src/runtime/restart-only-changes';

/** The audit, metrics and tracing keys: what they accept, their defaults, and the messages that say what to fix. */
const MINIMAL = `
targets:
  - { name: prod, engine: postgres, environment: production, upstream: { host: 127.0.0.1, database: app }, logins: [ { user: app } ] }
`;

function issuesOf(extra: string): string {
  try {
    parseConfig(`${MINIMAL}\n${extra}`, '/srv/gatehouse');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.join('\n');
    throw err;
  }
  throw new Error('config was accepted');
}

const parse = (extra: string) => parseConfig(`${MINIMAL}\n${extra}`, '/srv/gatehouse');

describe('audit configuration', () => {
  it('has safe defaults: the file, refuse, write durability, no full text, no copies', () => {
    const c = parse('');
    expect(c.audit).toEqual({
      enabled: true,
      file: '/srv/gatehouse/var/audit.jsonl',
      on_failure: 'refuse',
      durability: 'write',
      fsync_interval: 50,
      fsync_records: 1000,
      rotate_size: 256 * 1024 * 1024,
      keep_full_text: false,
      postgres: null,
      webhook: null,
    });
    expect(c.control.metrics).toBe('public');
    expect(c.tracing).toEqual({ statement_text: false });
  });

  it('reads every key, with units', () => {
    const c = parse(`audit:
  durability: fsync
  fsync_interval: 10ms
  fsync_records: 50
  rotate_size: 64MiB
  keep_full_text: [prod]
  postgres: { dsn_env: AUDIT_DSN, table: audit.records, batch: 100, buffer: 5000, flush_interval: 1s, query: false }
  webhook: { url_env: SIEM_URL, headers_env: { Authorization: SIEM_TOKEN }, timeout: 2s }
control: { metrics: admin }
tracing: { statement_text: true }`);
    expect(c.audit).toMatchObject({
      durability: 'fsync',
      fsync_interval: 10,
      fsync_records: 50,
      rotate_size: 64 * 1024 * 1024,
      keep_full_text: ['prod'],
    });
    expect(c.audit.postgres).toEqual({
      dsn_env: 'AUDIT_DSN',
      target: null,
      database: null,
      user: null,
      password_env: null,
      table: 'audit.records',
      query: false,
      batch: 100,
      buffer: 5000,
      flush_interval: 1000,
    });
    expect(c.audit.webhook).toEqual({
      url: null,
      url_env: 'SIEM_URL',
      headers_env: { Authorization: 'SIEM_TOKEN' },
      timeout: 2000,
      batch: 500,
      buffer: 100_000,
      flush_interval: 1000,
    });
    expect(c.control.metrics).toBe('admin');
    expect(c.tracing.statement_text).toBe(true);
  });

  it('connects the PostgreSQL copy through a target with a login of its own', () => {
    const c = parse('audit: { postgres: { target: prod, user: gatehouse_audit, password_env: AUDIT_PW } }');
    expect(c.audit.postgres).toMatchObject({
      target: 'prod',
      user: 'gatehouse_audit',
      password_env: 'AUDIT_PW',
      table: 'gatehouse_audit',
      query: true,
    });
  });

  it.each([
    [
      'a durability that does not exist',
      'audit: { durability: sometimes }',
      'audit.durability: expected write (the default) or fsync',
    ],
    [
      'a rotation size too small',
      'audit: { rotate_size: 10KiB }',
      'audit.rotate_size: expected a size from 1048576 bytes',
    ],
    [
      'keep_full_text naming no target',
      'audit: { keep_full_text: [prd] }',
      'audit.keep_full_text[0]: no target named "prd"; configured targets: prod',
    ],
    [
      'keep_full_text as a string',
      'audit: { keep_full_text: yes please }',
      'audit.keep_full_text: expected false (the default), true, or a list of target names',
    ],
    [
      'postgres with neither dsn_env nor target',
      'audit: { postgres: { table: t } }',
      'audit.postgres.dsn_env: write exactly one of dsn_env',
    ],
    [
      'postgres with both',
      'audit: { postgres: { dsn_env: A, target: prod, user: u } }',
      'audit.postgres.dsn_env: write exactly one of dsn_env',
    ],
    [
      'postgres target without a user',
      'audit: { postgres: { target: prod } }',
      'audit.postgres.user: with target, write the user',
    ],
    [
      'postgres target that does not exist',
      'audit: { postgres: { target: nope, user: u } }',
      'audit.postgres.target: no target named "nope"',
    ],
    [
      'a DSN in the file',
      'audit: { postgres: { dsn: "postgres://u:pw@h/db" } }',
      'audit.postgres: unknown key "dsn"',
    ],
    [
      'a table name that needs quoting',
      'audit: { postgres: { dsn_env: A, table: "Audit Log" } }',
      'audit.postgres.table: expected a lower-case table name',
    ],
    [
      'a webhook with url and url_env',
      'audit: { webhook: { url: "https://x", url_env: X } }',
      'audit.webhook.url: write exactly one of url and url_env',
    ],
    [
      'a webhook with plain headers',
      'audit: { webhook: { url: "https://x", headers: { Authorization: "Bearer s3cret" } } }',
      'audit.webhook: unknown key "headers": header values may be secrets',
    ],
    [
      'a buffer too small',
      'audit: { webhook: { url: "https://x", buffer: 5 } }',
      'audit.webhook.buffer: expected records held while the sink is unreachable from 100',
    ],
    [
      'copies without a file',
      'audit: { enabled: false, webhook: { url: "https://x" } }',
      'audit.enabled: the postgres and webhook sinks copy the file chain',
    ],
    [
      'metrics access that does not exist',
      'control: { metrics: private }',
      'control.metrics: expected public (GET /metrics needs no token) or admin',
    ],
    [
      'an unknown tracing key',
      'tracing: { sql: true }',
      'tracing: unknown key "sql"; expected one of: statement_text',
    ],
  ])('refuses %s', (_label, extra, expected) => {
    expect(issuesOf(extra)).toContain(expected);
  });

  it('warns when the audit is off, keeps literals, or names an unset DSN variable', () => {
    const warnings = configWarnings(parse('audit: { enabled: false, keep_full_text: true }'), {}).join('\n');
    expect(warnings).toContain('audit.enabled is false: statements run with NO audit record at all');
    expect(warnings).toContain('audit.keep_full_text is on for every target');
    expect(configWarnings(parse('audit: { postgres: { dsn_env: AUDIT_DSN } }'), {}).join('\n')).toContain(
      'AUDIT_DSN is not set',
    );
    expect(
      configWarnings(parse('audit: { postgres: { dsn_env: AUDIT_DSN } }'), {
        AUDIT_DSN: 'postgres://h/db',
      }).join('\n'),
    ).not.toContain('AUDIT_DSN');
  });

  it('applies audit changes only after a restart (the sinks are open), metrics access and tracing at once', () => {
    const before = parse('');
    expect(restartOnlyChanges(before, parse('audit: { durability: fsync }'))).toEqual(['audit']);
    expect(
      restartOnlyChanges(before, parse('control: { metrics: admin }\ntracing: { statement_text: true }')),
    ).toEqual([]);
  });
});
