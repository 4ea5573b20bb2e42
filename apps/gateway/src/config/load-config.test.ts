import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configWarnings, loadConfig, parseConfig } from './index';

const MINIMAL = `
targets:
  - name: prod
    engine: postgres
    environment: production
    upstream: { host: 127.0.0.1, database: app }
    logins:
      - { groups: [ci], user: migrator, password_env: PROD_MIGRATOR_PASSWORD }
      - { user: app_readonly, password_env: PROD_RO_PASSWORD }
`;

/** The issues of a config that must fail; fails the test if it loads. */
function issuesOf(text: string, baseDir = '/srv/gatehouse'): readonly string[] {
  try {
    parseConfig(text, baseDir);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('config was accepted');
}

/** MINIMAL plus extra top-level YAML. */
const withExtra = (extra: string) => `${MINIMAL}\n${extra}`;

describe('parseConfig: defaults', () => {
  it('fills every default from a minimal file and freezes the result', () => {
    const c = parseConfig(MINIMAL, '/srv/gatehouse');
    expect(c.workers).toBe('auto');
    expect(c.listeners).toEqual([{ engine: 'postgres', host: '127.0.0.1', port: 15432, tls: null }]);
    expect(c.control).toEqual({ host: '127.0.0.1', port: 8480, admins: [], readiness_timeout: 2000, tls: null, metrics: 'public' });
    expect(c.identity).toEqual({ allow_plaintext_loopback: true, clock_skew: 30_000, issuers: [], service_tokens: [] });
    expect(c.targets[0]!.upstream).toEqual({ host: '127.0.0.1', port: 5432, database: 'app', tls: 'prefer', ca: null });
    expect(c.targets[0]!.logins[1]).toEqual({ groups: [], user: 'app_readonly', password_env: 'PROD_RO_PASSWORD' });
    expect(c.policy.rules).toEqual([]);
    expect(c.masking).toEqual({ auto: true, unmasked_groups: [], strict_groups: [], columns: [], key_env: null, deterministic: false, value_scan: 'unclassified' });
    expect(c.approvals).toBeNull();
    expect(c.audit).toEqual({ enabled: true, file: '/srv/gatehouse/var/audit.jsonl', on_failure: 'refuse', durability: 'write', fsync_interval: 50, fsync_records: 1000, rotate_size: 256 * 1024 * 1024, keep_full_text: false, postgres: null, webhook: null });
    expect(c.tracing).toEqual({ statement_text: false });
    expect(c.limits).toEqual({ max_message_size: 64 * 1024 * 1024, connect_timeout: 10_000, auth_timeout: 60_000, shutdown_grace: 30_000 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.targets[0]!.logins[0]!.groups)).toBe(true);
    expect(() => {
      (c.control.admins as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('accepts the full DESIGN.md shape and normalises units, paths and shorthands', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
    try {
      writeFileSync(join(dir, 'jwks.json'), '{"keys":[]}');
      writeFileSync(join(dir, 'ca.pem'), 'x');
      const c = parseConfig(
        `
workers: 4
listeners:
  - { engine: postgres, host: 0.0.0.0, port: 6432, tls: { cert: ca.pem, key: ./ca.pem } }
control: { port: 9000, admins: dba, readiness_timeout: 500ms }
identity:
  clock_skew: 1m
  issuers:
    - { issuer: https://idp.example.com, audience: [gatehouse, api], jwks: ./jwks.json, groups_claim: realm_access.roles, algorithms: [RS256] }
    - { issuer: https://idp2.example.com, audience: gatehouse, jwks: https://idp2.example.com/jwks, jwks_ca: ${join(dir, 'ca.pem')} }
    - { issuer: gatehouse-dev, audience: gatehouse, dev: true }
  service_tokens:
    - { name: ci-migrations, sha256: "${'AB'.repeat(32)}", groups: [ci] }
targets:
  - name: prod
    engine: postgres
    environment: production
    upstream: { host: db.internal, port: 5433, database: app, tls: verify-full, ca: ca.pem }
    logins:
      - { groups: [ci], user: migrator, password_env: PROD_MIGRATOR_PASSWORD }
      - { user: app_readonly, password_env: PROD_RO_PASSWORD }
policy:
  rules:
    - { id: no-destruction, when: { guardrails: ["*"] }, action: deny }
    - { id: ci-ddl-prod, when: { groups: [ci], environment: production, kinds: [ddl] }, action: review, reason: DDL on production needs a DBA, approvers: dba, required: 2, grant: true }
    - { id: reads, when: { kinds: read, tables: [public.*], database: app }, action: allow }
    - { id: unknown-ok, when: { identity: alice, unknown: true }, action: allow }
masking: { auto: true, unmasked_groups: [dba], strict_groups: [agents], columns: [ { table: public.users, column: notes, mask: redact } ] }
approvals:
  redis: redis://127.0.0.1:6379
  approvers: [dba]
  required: 2
  timeout: 15m
  webhooks:
    - { name: dba-slack, url_env: DBA_SLACK_URL, format: slack }
    - { name: tickets, url: https://tickets.example.com/hook, events: [requested, denied], headers_env: { Authorization: TICKETS_AUTH } }
audit: { file: /var/log/gatehouse/audit.jsonl, on_failure: allow }
limits: { max_message_size: 1MiB, connect_timeout: 5s, auth_timeout: 30s, shutdown_grace: 0s }
`,
        dir,
      );
      expect(c.workers).toBe(4);
      expect(c.listeners[0]!.tls).toEqual({ cert: join(dir, 'ca.pem'), key: join(dir, 'ca.pem'), dev: false });
      expect(c.control.admins).toEqual(['dba']);
      expect(c.control.readiness_timeout).toBe(500);
      expect(c.identity.clock_skew).toBe(60_000);
      expect(c.identity.issuers[0]).toMatchObject({ jwks: { kind: 'file', path: join(dir, 'jwks.json') }, algorithms: ['RS256'], groups_claim: 'realm_access.roles', audience: ['gatehouse', 'api'] });
      expect(c.identity.issuers[1]).toMatchObject({ jwks: { kind: 'url', url: 'https://idp2.example.com/jwks', ca: join(dir, 'ca.pem') }, algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'] });
      expect(c.identity.issuers[2]).toMatchObject({ dev: true, jwks: null, algorithms: ['ES256'], key_dir: join(dir, '.gatehouse/dev-issuer') });
      expect(c.identity.service_tokens[0]!.sha256).toBe('ab'.repeat(32));
      expect(c.targets[0]!.upstream.ca).toBe(join(dir, 'ca.pem'));
      expect(c.policy.rules[1]).toEqual({ id: 'ci-ddl-prod', when: { groups: ['ci'], environments: ['production'], kinds: ['ddl'] }, action: 'review', reason: 'DDL on production needs a DBA', approvers: ['dba'], required: 2, grant: true });
      expect(c.policy.rules[2]!.when).toEqual({ kinds: ['read'], tables: ['public.*'], databases: ['app'] });
      expect(c.policy.rules[3]!.when).toEqual({ identities: ['alice'], unknown: true });
      expect(c.approvals).toEqual({
        redis: 'redis://127.0.0.1:6379',
        key_prefix: 'gatehouse:approvals',
        approvers: ['dba'],
        required: 2,
        timeout: 900_000,
        grant_window: 3_600_000,
        webhooks: [
          { name: 'dba-slack', url: null, url_env: 'DBA_SLACK_URL', format: 'slack', events: null, headers_env: {} },
          { name: 'tickets', url: 'https://tickets.example.com/hook', url_env: null, format: 'json', events: ['requested', 'denied'], headers_env: { Authorization: 'TICKETS_AUTH' } },
        ],
        notifications: { attempts: 5, backoff: 1000, timeout: 5000, control_url: null },
        retention: 30 * 86_400_000,
        connect_timeout: 2000,
        command_timeout: 2000,
        recheck_interval: 5000,
      });
      expect(c.audit).toEqual({ enabled: true, file: '/var/log/gatehouse/audit.jsonl', on_failure: 'allow', durability: 'write', fsync_interval: 50, fsync_records: 1000, rotate_size: 256 * 1024 * 1024, keep_full_text: false, postgres: null, webhook: null });
      expect(c.limits).toEqual({ max_message_size: 1024 * 1024, connect_timeout: 5000, auth_timeout: 30_000, shutdown_grace: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the repository example file', () => {
    const c = loadConfig(join(__dirname, '../../../../gatehouse.example.yaml'));
    expect(c.targets.map((t) => t.name)).toEqual(['local']);
    expect(c.identity.issuers[0]).toMatchObject({ issuer: 'gatehouse-dev', dev: true });
    expect(c.control.admins).toEqual(['dev', 'dba']);
  });
});

describe('parseConfig: errors name the key and what to write', () => {
  const cases: [string, string, string][] = [
    [
      'a port that is not a number',
      MINIMAL.replace('host: 127.0.0.1, database: app', 'host: 127.0.0.1, port: abc, database: app'),
      'targets[0].upstream.port: expected a port number 1-65535, got "abc"',
    ],
    ['a port out of range', withExtra('control: { port: 70000 }'), 'control.port: expected a port number 1-65535, got 70000'],
    ['an unknown key', withExtra('control: { prot: 1 }'), 'control: unknown key "prot"; expected one of: host, port, admins, readiness_timeout, tls'],
    ['an unknown top-level key', withExtra('target: []'), '(top level): unknown key "target"; expected one of: workers, listeners'],
    ['a missing required key', MINIMAL.replace('environment: production', ''), 'targets[0].environment: required: expected an environment label'],
    ['no targets at all', 'workers: 2', 'targets: required: expected a list of targets'],
    ['a bad tls mode', MINIMAL.replace('database: app', 'database: app, tls: verify-ca'), 'targets[0].upstream.tls: expected one of disable, prefer, require, verify-full, got "verify-ca"'],
    ['a ca without verify-full', MINIMAL.replace('database: app', 'database: app, ca: ./ca.pem'), 'targets[0].upstream.ca: ca is only used with tls: verify-full'],
    ['a password in the YAML', MINIMAL.replace('user: migrator, password_env: PROD_MIGRATOR_PASSWORD', 'user: migrator, password: hunter2'), 'targets[0].logins[0]: unknown key "password": passwords never go in the config; write password_env: NAME'],
    ['a catch-all login before others', MINIMAL.replace('{ groups: [ci], user: migrator', '{ user: migrator'), 'targets[0].logins[1]: this login can never be chosen: logins[0] has no groups'],
    ['a target name with a slash', MINIMAL.replace('name: prod', 'name: prod/x'), 'targets[0].name: expected a target name of letters, digits, _ and - (at most 63, no "/"), such as prod, got "prod/x"'],
    ['duplicate target names', `${MINIMAL}\n${MINIMAL.replace('targets:\n', '').trimEnd()}`.replace(/\ntargets:\n/, '\ntargets:\n'), 'targets[1].name: target "prod" is defined twice'],
    ['a mysql listener', withExtra('listeners: [ { engine: mysql, port: 13306 } ]'), 'listeners[0].engine: mysql listeners are not available in this version yet'],
    ['a mysql target', MINIMAL.replace('engine: postgres', 'engine: mysql'), 'targets[0].engine: mysql targets are not available in this version yet'],
    ['an unknown engine', MINIMAL.replace('engine: postgres', 'engine: oracle'), 'targets[0].engine: expected postgres or mysql, got "oracle"'],
    ['two listeners on one port', withExtra('listeners: [ { engine: postgres, port: 6432 }, { engine: postgres, host: 0.0.0.0, port: 6432 } ]'), 'listeners[1].port: listeners[0] already uses 0.0.0.0:6432'],
    ['control on a listener port', withExtra('control: { port: 15432 }'), 'control.port: listeners[0] already uses 127.0.0.1:15432'],
    ['a bad duration', withExtra('identity: { clock_skew: 30 }'), 'identity.clock_skew: expected a duration from 0ms to 5m such as 30s, 15m or 1h, got 30'],
    ['a duration too long', withExtra('identity: { clock_skew: 1h }'), 'identity.clock_skew: expected a duration from 0ms to 5m such as 30s, 15m or 1h, got "1h"'],
    ['a size too large', withExtra('limits: { max_message_size: 2GiB }'), 'limits.max_message_size: expected a size from 1024 bytes to 1GiB such as 64MiB, got "2GiB"'],
    ['a YAML boolean spelled yes', withExtra('identity: { allow_plaintext_loopback: yes }'), 'identity.allow_plaintext_loopback: expected true or false, got "yes"'],
    ['workers not a number', withExtra('workers: many'), 'workers: expected auto or a number of worker processes 1-1024, got "many"'],
    ['an issuer without jwks', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh } ] }'), 'identity.issuers[0].jwks: required: expected a JWKS file path or an https:// URL'],
    ['a plain http jwks', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, jwks: "http://idp/jwks" } ] }'), 'identity.issuers[0].jwks: expected an https:// URL or a file path; JWKS over plain http:// is refused'],
    ['alg none', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, jwks: https://idp/jwks, algorithms: [none] } ] }'), 'identity.issuers[0].algorithms[0]: expected a JWS algorithm, one of: RS256'],
    ['HS256 without a secret', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, algorithms: [HS256] } ] }'), 'identity.issuers[0].secret_env: HS* algorithms need secret_env: NAME'],
    ['HS256 mixed with RS256', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, algorithms: [HS256, RS256], secret_env: S } ] }'), 'identity.issuers[0].algorithms: do not mix HS* with asymmetric algorithms'],
    ['a dev issuer with jwks', withExtra('identity: { issuers: [ { issuer: dev, audience: gh, dev: true, jwks: ./x.json } ] }'), 'identity.issuers[0].jwks: a dev issuer writes its own JWKS under key_dir; remove jwks'],
    ['two dev issuers', withExtra('identity: { issuers: [ { issuer: a, audience: gh, dev: true }, { issuer: b, audience: gh, dev: true } ] }'), 'identity.issuers[1].dev: only one issuer may be the dev issuer'],
    ['duplicate issuers', withExtra('identity: { issuers: [ { issuer: a, audience: gh, dev: true }, { issuer: a, audience: gh, jwks: https://a/jwks } ] }'), 'identity.issuers[1].issuer: issuer "a" is listed twice'],
    ['a jwks file that does not exist', withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, jwks: ./missing.json } ] }'), 'identity.issuers[0].jwks: file /srv/gatehouse/missing.json does not exist or cannot be read'],
    ['an env var name that is not a name', MINIMAL.replace('password_env: PROD_RO_PASSWORD', 'password_env: "hunter2!"'), 'targets[0].logins[1].password_env: expected the name of an environment variable (letters, digits, _), not the secret itself'],
    ['a rule with an unknown action', withExtra('policy: { rules: [ { id: r1, action: permit } ] }'), 'policy.rules[0].action: expected allow, deny or review, got "permit"'],
    ['a rule with an unknown kind', withExtra('policy: { rules: [ { id: r1, when: { kinds: [select] }, action: allow } ] }'), 'policy.rules[0].when.kinds[0]: expected a statement kind, one of: read, write, ddl, dcl, admin, transaction, session, utility, unknown, got "select"'],
    ['a rule with an unknown condition', withExtra('policy: { rules: [ { id: r1, when: { user: bob }, action: allow } ] }'), 'policy.rules[0].when: unknown key "user"; expected one of: identities, groups, targets'],
    ['a rule naming an unknown target', withExtra('policy: { rules: [ { id: r1, when: { targets: [stage] }, action: allow } ] }'), 'policy.rules[0].when.targets[0]: no target named "stage"; configured targets: prod'],
    ['a misspelt target, singular', withExtra('policy: { rules: [ { id: r1, when: { target: prd }, action: allow } ] }'), 'policy.rules[0].when.target[0]: no target named "prd" (did you mean prod?); configured targets: prod'],
    ['a mistyped environment', withExtra('policy: { rules: [ { id: r1, action: allow }, { id: r2, when: { environment: [prodd] }, action: deny } ] }'), 'policy.rules[1].when.environment[0]: no target has environment "prodd"; the targets\' environments: production'],
    ['a misspelt environment', withExtra('policy: { rules: [ { id: r1, when: { environment: prodution }, action: deny } ] }'), 'policy.rules[0].when.environment[0]: no target has environment "prodution" (did you mean production?)'],
    ['an environment no target has', withExtra('policy: { rules: [ { id: r1, when: { environments: [production, staging] }, action: allow } ] }'), 'policy.rules[0].when.environments[1]: no target has environment "staging"; the targets\' environments: production'],
    ['duplicate rule ids', withExtra('policy: { rules: [ { id: r1, action: allow }, { id: r1, action: deny } ] }'), 'policy.rules[1].id: rule id "r1" is used twice'],
    ['both singular and plural', withExtra('policy: { rules: [ { id: r1, when: { environment: a, environments: [b] }, action: allow } ] }'), 'policy.rules[0].when.environment: write either environment or environments, not both'],
    ['an empty condition list', withExtra('policy: { rules: [ { id: r1, when: { groups: [] }, action: allow } ] }'), 'policy.rules[0].when.groups: an empty list matches nothing; remove the key to match any'],
    ['approvers on an allow rule', withExtra('policy: { rules: [ { id: r1, action: allow, approvers: [dba] } ] }'), 'policy.rules[0].approvers: approvers only applies to action: review; remove it'],
    ['a redis URL with a password', withExtra('approvals: { redis: "redis://:s3cret@127.0.0.1:6379", approvers: [dba] }'), 'approvals.redis: the Redis URL must not carry a password; the config file never holds secrets'],
    ['a webhook with url and url_env', withExtra('approvals: { redis: "redis://h", approvers: [dba], webhooks: [ { name: a, url: "https://x", url_env: X } ] }'), 'approvals.webhooks[0].url: write exactly one of url and url_env'],
    ['a webhook with plain headers', withExtra('approvals: { redis: "redis://h", approvers: [dba], webhooks: [ { name: a, url: "https://x", headers: { Authorization: "Bearer s3cret" } } ] }'), 'approvals.webhooks[0]: unknown key "headers": header values may be secrets'],
    ['duplicate webhook names', withExtra('approvals: { redis: "redis://h", approvers: [dba], webhooks: [ { name: a, url: "https://x" }, { name: a, url: "https://y" } ] }'), 'approvals.webhooks[1].name: webhook "a" is listed twice'],
    ['grant on a deny rule', withExtra('policy: { rules: [ { id: r1, action: deny, grant: true } ] }'), 'policy.rules[0].grant: grant only applies to action: review; remove it'],
    ['a key prefix with a space', withExtra('approvals: { redis: "redis://h", approvers: [dba], key_prefix: "team b" }'), 'approvals.key_prefix: expected a Redis key prefix such as gatehouse:approvals: 1-200 characters, no spaces or braces'],
    ['approvals without approvers', withExtra('approvals: { redis: "redis://127.0.0.1:6379", approvers: [] }'), 'approvals.approvers: expected at least one approver group'],
    ['an audit mode that does not exist', withExtra('audit: { on_failure: ignore }'), 'audit.on_failure: expected refuse (statements are refused when the audit cannot be written) or allow, got "ignore"'],
    ['a group in unmasked and strict', withExtra('masking: { unmasked_groups: [a], strict_groups: [a] }'), 'masking.strict_groups: group a is also in unmasked_groups; keep it in one'],
    ['a mask that does not exist', withExtra('masking: { columns: [ { table: users, column: notes, mask: hide } ] }'), 'masking.columns[0].mask: expected a mask name: never, redact, last4, deterministic, scan, email'],
    ['deterministic masks without a key', withExtra('masking: { deterministic: true }'), 'masking.key_env: deterministic masks need a key: name the environment variable that holds it in key_env'],
    ['a value scan that does not exist', withExtra('masking: { value_scan: all }'), 'masking.value_scan: expected unclassified, unknown-lineage or off'],
    ['broken YAML', 'targets: [', 'YAML: '],
    ['duplicate YAML keys', `${MINIMAL}\nworkers: 1\nworkers: 2`, 'YAML: Map keys must be unique'],
    ['a list where a mapping belongs', withExtra('control: [1]'), 'control: expected a mapping of keys, got a list'],
  ];

  it.each(cases)('%s', (_label, text, expected) => {
    const issues = issuesOf(text);
    expect(issues.join('\n')).toContain(expected);
  });

  it('never echoes values of keys that may hold secrets', () => {
    const token = 'ght_live_0123456789abcdefSECRET';
    const issues = issuesOf(withExtra(`identity: { service_tokens: [ { name: ci, sha256: "${token}" } ] }`));
    expect(issues.join('\n')).toContain('identity.service_tokens[0].sha256: expected the SHA-256 hex digest');
    expect(issues.join('\n')).not.toContain(token);
    const password = 'Sup3r$ecret pass';
    const issues2 = issuesOf(MINIMAL.replace('password_env: PROD_RO_PASSWORD', `password_env: "${password}"`));
    expect(issues2.join('\n')).not.toContain(password);
  });

  it('reports every problem at once, not just the first', () => {
    const issues = issuesOf(withExtra('control: { port: 0, admins: "bad name" }\nworkers: 0'));
    expect(issues.length).toBeGreaterThanOrEqual(3);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves relative paths against the file directory, not the working directory', () => {
    writeFileSync(join(dir, 'jwks.json'), '{"keys":[]}');
    writeFileSync(join(dir, 'gatehouse.yaml'), withExtra('identity: { issuers: [ { issuer: https://idp, audience: gh, jwks: jwks.json } ] }'));
    const c = loadConfig(join(dir, 'gatehouse.yaml'));
    expect(c.identity.issuers[0]!.jwks).toEqual({ kind: 'file', path: join(dir, 'jwks.json') });
    expect(c.base_dir).toBe(dir);
  });

  it('names the file and says how to fix a missing one', () => {
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(/nope\.yaml[\s\S]*does not exist; pass --config FILE/);
  });
});

describe('configWarnings', () => {
  it('warns about valid but risky setups', () => {
    const c = parseConfig(
      withExtra(`control: { host: 0.0.0.0 }
listeners: [ { engine: postgres, host: 0.0.0.0, port: 15432 } ]
identity: { issuers: [ { issuer: gatehouse-dev, audience: gh, dev: true } ] }
policy: { rules: [ { id: all, action: allow }, { id: later, when: { environment: production }, action: deny } ] }`),
      '/srv',
    );
    const warnings = configWarnings(c, { PROD_RO_PASSWORD: 'x' }).join('\n');
    expect(warnings).toContain('control.admins is empty');
    expect(warnings).toContain('control.host 0.0.0.0 is reachable from other hosts without TLS');
    expect(warnings).toContain('listeners[0] (0.0.0.0:15432) has no tls');
    expect(warnings).toContain('the dev issuer "gatehouse-dev" is trusted while target prod is production');
    expect(warnings).toContain('targets[0].logins[0].password_env: PROD_MIGRATOR_PASSWORD is not set');
    expect(warnings).not.toContain('PROD_RO_PASSWORD is not set');
    expect(warnings).toContain('policy.rules[0] (all) matches every statement');
  });

  it('with service tokens only, warns about rules naming groups or identities nobody has', () => {
    const text = withExtra(`identity: { service_tokens: [ { name: ci-bot, sha256: "${'a'.repeat(64)}", groups: [ci] } ] }
policy: { rules: [ { id: r1, when: { groups: [ci, dbas] }, action: allow }, { id: r2, when: { identity: ci-bott }, action: deny } ] }`);
    const warnings = configWarnings(parseConfig(text, '/srv'), {});
    expect(warnings).toContain(
      'policy.rules[0] (r1) names group "dbas", which no service token has and there is no issuer: the rule never matches it',
    );
    expect(warnings).toContain(
      'policy.rules[1] (r2) names identity "ci-bott", which is no service token\'s name and there is no issuer: the rule never matches it',
    );
    expect(warnings.join('\n')).not.toContain('"ci"');
    // With an issuer, groups come from its tokens: nothing can be said.
    const withIssuer = parseConfig(
      text.replace('identity: {', 'identity: { issuers: [ { issuer: gatehouse-dev, audience: gh, dev: true } ],'),
      '/srv',
    );
    expect(configWarnings(withIssuer, {}).join('\n')).not.toContain('names group');
  });

  it('has nothing to say about the example file', () => {
    const c = loadConfig(join(__dirname, '../../../../gatehouse.example.yaml'));
    expect(configWarnings(c, {})).toEqual([]);
  });
});

