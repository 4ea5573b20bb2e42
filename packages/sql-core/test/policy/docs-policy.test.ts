import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatementKind } from '../../src/analysis/statement-facts';
import { compilePolicy, formatPolicyExplanation, isPolicyConfigError } from '../../src/policy';
import { facts, identity, table, target } from './policy-fixtures';

// docs/policy.md's production rules, its decision table and its explain and
// error examples are checked here, so the page cannot drift from the code.
// The YAML parser is the gateway's (the config loader's own), resolved from there.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require(require.resolve('yaml', { paths: [join(__dirname, '../../../../apps/gateway')] })) as {
  parse(text: string): unknown;
};

const DOC = readFileSync(join(__dirname, '../../../../docs/policy.md'), 'utf8');

function block(after: string, lang: string): string {
  const start = DOC.indexOf(after);
  if (start < 0) throw new Error(`docs/policy.md has no "${after}"`);
  const open = DOC.indexOf('```' + lang + '\n', start);
  const close = DOC.indexOf('\n```', open + 1);
  return DOC.slice(open + lang.length + 4, close);
}

const rules = (YAML.parse(block('## A production setup', 'yaml')) as { policy: { rules: unknown[] } }).policy
  .rules;
const policy = compilePolicy(rules);
const ENVIRONMENT: Record<string, string> = { prod: 'production', staging: 'staging' };

const ROW =
  /^\|\s*(\w+)\s*\|\s*(\w+)\s*\|\s*`[^`]+`\s*\|\s*(\w+)\s*\|([^|]*)\|([^|]*)\|\s*(\w+)\s*\|\s*([\w-]+)\s*\|$/;
const rows = DOC.split('\n')
  .map((line) => ROW.exec(line))
  .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'groups');

describe('docs/policy.md', () => {
  it('has a production setup that compiles and a decision table', () => {
    expect(policy.rules.map((r) => r.id)).toEqual([
      'dba-unknown',
      'no-destruction',
      'ci-ddl-prod',
      'ci-ddl',
      'no-secrets',
      'reads',
      'app-writes',
      'sessions',
    ]);
    expect(rows.length).toBe(14);
  });

  it.each(rows.map((m) => [m[0], m] as const))('%s', (...[, m]) => {
    const [, group, targetName, kind, tables, guardrails, action, ruleId] = m;
    const names = tables!
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const verdict = policy.evaluate({
      identity: identity('alice@example.com', [group!]),
      target: target(targetName!, ENVIRONMENT[targetName!]!),
      database: 'app',
      facts: facts({
        kind: kind as StatementKind,
        ...(kind === 'read' ? { reads: names } : { writes: names }),
        guardrails: guardrails!
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      }),
    });
    expect({ action: verdict.action, ruleId: verdict.ruleId }).toEqual({ action, ruleId });
  });

  it('shows explain output exactly as gatehouse explain prints it', () => {
    const explanation = policy.explain({
      identity: identity('alice@example.com', ['app']),
      target: target('prod', 'production'),
      database: 'app',
      facts: {
        ...facts({ kind: 'write', command: 'UPDATE' }),
        tablesWritten: [table('orders')],
        tablesRead: [table('users')],
      },
    });
    expect(formatPolicyExplanation(explanation)).toBe(block('## Explain', ''));
  });

  it('shows validation messages exactly as they are printed', () => {
    const ok = { id: 'ok', when: {}, action: 'deny' };
    let texts: string[] = [];
    try {
      compilePolicy([
        ok,
        { ...ok, id: 'ok2' },
        { id: 'reads', when: { kinds: ['select'] }, action: 'allow' },
        { id: 'ops', when: { tabels: ['x'] }, action: 'deny' },
        { id: 'ci', when: { guardrails: ['drop-tabel'] }, action: 'deny' },
        { id: 'reads', when: {}, action: 'deny' },
      ]);
    } catch (err) {
      if (isPolicyConfigError(err)) texts = err.issues.map((i) => i.text);
    }
    expect(texts.join('\n')).toBe(block('## Mistakes are refused', ''));
  });
});
