import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../../src/cli';
import { parseConfig } from '../../src/config';
import { Explainer, type ExplainReport } from '../../src/explain';
import { memoryIo } from '../../src/testing/memory-io';
import { tempDir } from '../../src/testing/test-support';

/**
 * docs/policy.md and docs/explain.md, run for real: their configs load with
 * `gatehouse check`, their `gatehouse explain` commands print what the pages
 * show, and the policy decision table holds through the real analyser.
 */
const DOCS = join(__dirname, '../../../../docs');
const read = (name: string) => readFileSync(join(DOCS, name), 'utf8');

/** The first fenced block with this language after `heading`. */
function block(doc: string, heading: string, lang: string, nth = 0): string {
  let at = doc.indexOf(heading);
  if (at < 0) throw new Error(`no "${heading}"`);
  let open = -1;
  for (let i = 0; i <= nth; i++) {
    open = doc.indexOf('```' + lang + '\n', at);
    at = open + 1;
  }
  return doc.slice(open + lang.length + 4, doc.indexOf('\n```', open + 1));
}

/** Splits a one-line shell command with single-quoted arguments. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Compares with a documented JSON example in which "..." stands for any value. */
function like(actual: unknown, documented: unknown): boolean {
  if (documented === '...') return true;
  if (Array.isArray(documented)) {
    if (documented.length === 1 && documented[0] === '...') return Array.isArray(actual);
    return (
      Array.isArray(actual) &&
      actual.length === documented.length &&
      documented.every((d, i) => like(actual[i], d))
    );
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    const a = actual as Record<string, unknown>;
    const d = documented as Record<string, unknown>;
    return Object.keys(a).length === Object.keys(d).length && Object.keys(d).every((k) => like(a[k], d[k]));
  }
  return actual === documented;
}

const TARGETS = [
  {
    name: 'prod',
    engine: 'postgres',
    environment: 'production',
    upstream: { host: 'db.internal', database: 'app' },
    logins: [{ user: 'app' }],
  },
  {
    name: 'staging',
    engine: 'postgres',
    environment: 'staging',
    upstream: { host: 'db.internal', database: 'app' },
    logins: [{ user: 'app' }],
  },
];

describe('docs/policy.md, run for real', () => {
  const doc = read('policy.md');
  const tmp = tempDir('gh-docs-policy-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  let explainer: Explainer;
  beforeAll(async () => {
    const policy = parse(block(doc, '## A production setup', 'yaml')) as object;
    writeFileSync(file, stringify({ targets: TARGETS, ...policy }));
    explainer = await Explainer.create();
  });
  afterAll(() => tmp.cleanup());

  it('the production setup passes gatehouse check, and explain prints what "Trying rules out" shows', async () => {
    const shown = block(doc, '## Trying rules out', 'sh').split('\n');
    const io = memoryIo(tmp.dir);
    expect(await runCli([...shellWords(shown[0]!).slice(1), '--config', file], io)).toBe(0);
    expect(io.out).toContain(shown[2]!.replace('#   ', '').replace(', ...', ''));
    const explain = memoryIo(tmp.dir);
    expect(await runCli([...shellWords(shown[3]!).slice(1), '--config', file], explain)).toBe(0);
    for (const line of shown.slice(5)) {
      const [before, after] = line.replace('#   ', '').split('...');
      expect(explain.out).toContain(before);
      if (after !== undefined) expect(explain.out).toContain(after);
    }
  });

  const ROW =
    /^\| (\w+)\s*\| (\w+)\s*\| `([^`]+)`\s*\| (\w+)\s*\|([^|]*)\|([^|]*)\| (\w+)\s*\| ([\w-]+)\s*\|$/;
  const rows = doc
    .split('\n')
    .map((l) => ROW.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'groups');

  it('has the decision table', () => {
    expect(rows.length).toBe(14);
  });

  it.each(rows.map((m) => [m[3]!, m] as const))(
    '%s: facts and decision as the table says',
    async (_sql, m) => {
      const [, group, target, sql, kind, tables, guardrails, action, ruleId] = m;
      const report: ExplainReport = await explainer.explain(
        parseConfig(readFileSync(file, 'utf8'), tmp.dir),
        {
          subject: 'alice@example.com',
          groups: [group!],
          target: target!,
          sql: sql!,
        },
      );
      const facts = report.statements[0]!.facts;
      const list = (text: string) =>
        text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
      expect({
        kind: facts.kind,
        tables: [...facts.tablesWritten, ...facts.tablesRead],
        guardrails: facts.guardrails.map((g) => g.id),
        action: report.decision.action,
        ruleId: report.decision.ruleId,
      }).toEqual({ kind, tables: list(tables!), guardrails: list(guardrails!), action, ruleId });
    },
  );

  it('shows the refusal of a bad file as the loader words it', () => {
    const refusal = JSON.parse(block(doc, '## Reload', 'json')) as { issues: string[] };
    const bad = readFileSync(file, 'utf8').replace('action: deny', 'action: permit');
    expect(() => parseConfig(bad, tmp.dir)).toThrow(refusal.issues[0]!);
  });
});

describe('docs/explain.md, run for real', () => {
  const doc = read('explain.md');
  const tmp = tempDir('gh-docs-explain-');
  beforeAll(() => writeFileSync(join(tmp.dir, 'gatehouse.yaml'), block(doc, '## Example', 'yaml')));
  afterAll(() => tmp.cleanup());

  it('prints exactly the example output', async () => {
    const command = shellWords(block(doc, '## Example', 'sh'));
    expect(command[0]).toBe('gatehouse');
    const io = memoryIo(tmp.dir);
    expect(await runCli(command.slice(1), io)).toBe(0);
    expect(io.out).toBe(`${block(doc, '\nprints\n', '')}\n`);
  });

  it('documents the report as --json prints it', async () => {
    const io = memoryIo(tmp.dir);
    const args = [
      'explain',
      '--json',
      '--as',
      'ci-bot',
      '--groups',
      'ci',
      '--target',
      'prod',
      'ALTER TABLE orders ADD COLUMN note text',
    ];
    expect(await runCli(args, io)).toBe(0);
    const documented = JSON.parse(block(doc, '## The report', 'json')) as unknown;
    expect(like(JSON.parse(io.out), documented)).toBe(true);
  });
});
