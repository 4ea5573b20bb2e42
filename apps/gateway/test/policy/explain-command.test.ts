import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import type { ExplainReport } from '../../src/explain';
import { memoryIo } from '../../src/testing/memory-io';
import { tempDir } from '../../src/testing/test-support';

const CONFIG = `
targets:
  - { name: prod, engine: postgres, environment: production, upstream: { host: 127.0.0.1, database: app }, logins: [ { user: app } ] }
  - { name: dev, engine: postgres, environment: development, upstream: { host: 127.0.0.1, database: test }, logins: [ { user: app } ] }
policy:
  rules:
    - { id: no-destruction, when: { guardrails: ["*"] }, action: deny, reason: destructive statements are blocked }
    - { id: ci-ddl-prod, when: { groups: [ci], environment: production, kinds: [ddl] }, action: review, approvers: [dba], grant: true }
    - { id: users-writes, when: { tables: [public.users], kinds: [write] }, action: deny }
    - { id: dev-all, when: { groups: [dev], environments: [development] }, action: allow }
    - { id: reads, when: { kinds: [read] }, action: allow }
`;

describe('gatehouse explain', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'gatehouse.yaml'), CONFIG);
  });
  afterEach(() => tmp.cleanup());

  async function explain(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = memoryIo(tmp.dir);
    const code = await runCli(['explain', ...args], io);
    return { code, out: io.out, err: io.err };
  }

  async function report(...args: string[]): Promise<ExplainReport> {
    const r = await explain('--json', ...args);
    expect(r).toMatchObject({ code: 0, err: '' });
    return JSON.parse(r.out) as ExplainReport;
  }

  it('prints the facts, every rule with why, and the decision; exit 0 on a denial', async () => {
    const r = await explain(
      '--as',
      'alice',
      '--groups',
      'dev',
      '--target',
      'prod',
      'DELETE FROM public.orders',
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        'identity: alice [dev]',
        'target:   prod (postgres, production), database app',
        '',
        'statement 1: DELETE FROM public.orders',
        '  kind:       write (DELETE)',
        '  reads:      -',
        '  writes:     public.orders',
        '  columns:    -',
        '  functions:  -',
        '  guardrails: delete-without-where: DELETE has no WHERE clause and removes every row',
        '  decision: deny (rule no-destruction)',
        '  reason:   destructive statements are blocked (guardrail delete-without-where)',
        '  rules:',
        '    [0] no-destruction  deny    matched',
        '          + guardrails: guardrail delete-without-where fired',
        '    [1] ci-ddl-prod     review  not reached',
        '    [2] users-writes    deny    not reached',
        '    [3] dev-all         allow   not reached',
        '    [4] reads           allow   not reached',
        '',
        'decision: deny (rule no-destruction)',
        'client:   ERROR 42501 gatehouse: destructive statements are blocked (guardrail delete-without-where) (rule no-destruction)',
        'masking:  not evaluated: the statement is denied (rule no-destruction), so it never runs and returns nothing',
        '',
      ].join('\n'),
    );
  });

  it('shows why rules did not match, columns and functions, and an allow', async () => {
    const r = await explain(
      '--as',
      'alice',
      '--groups',
      'dev',
      '--target',
      'prod',
      'select email, lower(name) from public.users where id = 42 order by name',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('  reads:      public.users\n');
    expect(r.out).toContain('public.users.email (output)');
    expect(r.out).toContain('public.users.id (predicate)');
    expect(r.out).toContain('  functions:  lower\n');
    expect(r.out).toContain('          - environments: environment production is not one of development');
    expect(r.out).toContain('    [4] reads           allow   matched');
    expect(r.out).toContain('client:   the statement is forwarded to the upstream');
    // Literals never appear: the statement is shown normalised.
    expect(r.out).not.toContain('42');
  });

  it('judges a multi-statement string as the pipeline does: the strictest statement wins', async () => {
    const rep = await report(
      '--as',
      'alice',
      '--groups',
      'dev',
      '--target',
      'dev',
      'select 1; update public.users set name = $$x$$ where id = 7',
    );
    expect(rep.statements.map((s) => [s.facts.kind, s.verdict.action, s.verdict.ruleId])).toEqual([
      ['read', 'allow', 'dev-all'],
      ['write', 'deny', 'users-writes'],
    ]);
    expect(rep.decision).toMatchObject({ action: 'deny', ruleId: 'users-writes' });
    expect(rep.client).toEqual({
      outcome: 'error',
      sqlstate: '42501',
      message: 'gatehouse: UPDATE on public.users is denied by policy (rule users-writes)',
    });
    expect(rep.masking).toMatchObject({ status: 'not-evaluated', results: [] });
  });

  it('sees through evasions: case, comments, dollar quoting and CTEs', async () => {
    const evasions = [
      'dRoP /* hidden */ TaBlE public.orders',
      '/* a */ -- b\n drop table "public"."orders"',
      'with gone as (delete from public.orders returning *) select * from gone',
      "do $x$ begin execute 'drop table public.orders'; end $x$",
    ];
    for (const sql of evasions) {
      const rep = await report('--as', 'alice', '--groups', 'dev', '--target', 'dev', sql);
      expect({ sql, action: rep.decision.action }).toEqual({ sql, action: 'deny' });
    }
  });

  it('review without approvals configured: the client gets a denial saying so; grant and approvers are shown', async () => {
    const r = await explain(
      '--as',
      'ci-bot',
      '--groups',
      'ci',
      '--target',
      'prod',
      'create table public.t (id int)',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('  decision: review (rule ci-ddl-prod)');
    expect(r.out).toContain('  approvers: dba');
    expect(r.out).toContain('  grant:    an approval also covers a retry within the grant window');
    expect(r.out).toContain(
      'client:   ERROR 42501 gatehouse: approval required (CREATE TABLE on public.t requires approval) but approvals are not configured (rule ci-ddl-prod)',
    );
    const rep = await report(
      '--as',
      'ci-bot',
      '--groups',
      'ci',
      '--target',
      'prod',
      'create table public.t (id int)',
    );
    expect(rep.decision).toEqual({
      action: 'review',
      ruleId: 'ci-ddl-prod',
      reason: 'CREATE TABLE on public.t requires approval',
      approvers: ['dba'],
      grant: true,
    });
  });

  it('denies unknown statements and statements no rule allows, naming the built-in rule', async () => {
    // A deny rule that cannot rule an unanalysable statement out takes it (fail closed)...
    const unknown = await report('--as', 'bob', '--target', 'prod', 'FUNCTION CALL 1234');
    expect(unknown.statements[0]!.facts).toMatchObject({
      kind: 'unknown',
      unknownReason: expect.any(String),
    });
    expect(unknown.decision).toEqual({
      action: 'deny',
      ruleId: 'no-destruction',
      reason: 'the statement could not be analysed and may be what this rule denies',
    });
    // ...and with no such rule, nothing allows it unless a rule names unknown statements.
    writeFileSync(
      join(tmp.dir, 'reads.yaml'),
      CONFIG.replace(/ {4}- \{ id: (no-destruction|users-writes).*\n/g, ''),
    );
    const noGuard = await report(
      '--config',
      'reads.yaml',
      '--as',
      'bob',
      '--target',
      'prod',
      'FUNCTION CALL 1234',
    );
    expect(noGuard.decision).toEqual({
      action: 'deny',
      ruleId: 'default-deny',
      reason: 'the statement could not be analysed and no policy rule allows unknown statements',
    });
    const write = await report('--as', 'bob', '--target', 'prod', 'insert into public.orders values (1)');
    expect(write.decision).toEqual({
      action: 'deny',
      ruleId: 'default-deny',
      reason: 'no policy rule allows INSERT on public.orders for bob on target prod',
    });
  });

  it('explains EXECUTE as a fresh session sees it, and a string with no statement', async () => {
    const exec = await report('--as', 'alice', '--groups', 'dev', '--target', 'dev', 'execute x');
    expect(exec.statements[0]!.facts).toMatchObject({ kind: 'unknown', executes: 'x' });
    expect(exec.decision.action).toBe('deny');
    const empty = await report('--as', 'alice', '--target', 'dev', '/* nothing here */ ;');
    expect(empty).toMatchObject({
      statements: [],
      decision: { action: 'allow', ruleId: 'empty-statement' },
      client: { outcome: 'runs' },
    });
  });

  it('reads SQL from --file and takes --database', async () => {
    writeFileSync(join(tmp.dir, 'migration.sql'), 'alter table public.users drop column email;\n');
    const rep = await report(
      '--as',
      'ci-bot',
      '--groups',
      'ci',
      '--target',
      'prod',
      '--database',
      'analytics',
      '--file',
      'migration.sql',
    );
    expect(rep.database).toBe('analytics');
    expect(rep.statements[0]!.facts.guardrails.map((g) => g.id)).toContain('destructive-alter');
    expect(rep.decision).toMatchObject({ action: 'deny', ruleId: 'no-destruction' });
  });

  it.each([
    [['--groups', 'dev', '--target', 'prod', 'select 1'], '--as is required'],
    [['--as', 'a', 'select 1'], '--target is required: one of prod, dev'],
    [
      ['--as', 'a', '--target', 'nope', 'select 1'],
      '--target: no target named "nope"; configured targets: prod, dev',
    ],
    [['--as', 'a', '--target', 'prod'], 'the SQL to explain is missing'],
    [
      ['--as', 'a', '--target', 'prod', 'select', '*'],
      'expected the SQL as one quoted argument, got 2 arguments',
    ],
    [['--as', 'a', '--groups', 'a b', '--target', 'prod', 'select 1'], '--groups: "a b" is not a group name'],
    [['--as', 'a', '--target', 'prod', '--file', 'missing.sql'], '--file: cannot read missing.sql (ENOENT)'],
    [['--as', 'a', '--target', 'prod', '--bogus', 'select 1'], "Unknown option '--bogus'"],
  ])('exit 2 on usage errors: %j', async (args, message) => {
    const r = await explain(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('exit 1 when the config is invalid, naming every problem', async () => {
    writeFileSync(
      join(tmp.dir, 'gatehouse.yaml'),
      CONFIG.replace('action: deny, reason', 'action: block, reason').replace(
        'kinds: [read]',
        'kinds: [select]',
      ),
    );
    const r = await explain('--as', 'a', '--target', 'prod', 'select 1');
    expect(r.code).toBe(1);
    expect(r.err).toContain('policy.rules[0].action');
    expect(r.err).toContain('policy.rules[4].when.kinds');
    expect(r.out).toBe('');
  });
});
