import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse, stringify } from 'yaml';
import { tempDir } from '../src/testing/test-support';

/**
 * The masking examples of docs/explain.md and docs/masking.md, run for real:
 * the page's SQL creates its tables in a database of this test's own, the
 * page's configuration gets a target pointing there, the built CLI runs the
 * page's commands, and the masking part of its output is what the page shows.
 */
const MAIN = join(__dirname, '../dist/main.js');
const DOCS = join(__dirname, '../../../docs');
const run = promisify(execFile);
const DATABASE = `gh_explain_docs_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

/** The first fenced block with this language after `heading` (`nth` counts further blocks). */
function block(doc: string, heading: string, lang: string, nth = 0): string {
  let at = doc.indexOf(heading);
  if (at < 0) throw new Error(`no "${heading}"`);
  let open = -1;
  for (let i = 0; i <= nth; i++) {
    open = doc.indexOf('```' + lang + '\n', at);
    if (open < 0) throw new Error(`no block ${nth} of ${lang} after "${heading}"`);
    at = open + 1;
  }
  return doc.slice(open + lang.length + 4, doc.indexOf('\n```', open + 1));
}

/** Splits a one-line shell command with single-quoted arguments. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('the explain masking examples of the docs, run for real', () => {
  const explainDoc = readFileSync(join(DOCS, 'explain.md'), 'utf8');
  const maskingDoc = readFileSync(join(DOCS, 'masking.md'), 'utf8');
  const tmp = tempDir('gh-explain-docs-');
  const file = join(tmp.dir, 'gatehouse.yaml');
  const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${DATABASE}`);
    const db = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: DATABASE });
    await db.connect();
    try {
      await db.query(block(explainDoc, '## Masking', 'sql'));
    } finally {
      await db.end();
    }
    const documented = parse(block(explainDoc, '## Masking', 'yaml')) as object;
    const target = {
      name: 'prod',
      engine: 'postgres',
      environment: 'production',
      upstream: { host: '127.0.0.1', port: 5432, database: DATABASE, tls: 'disable' },
      logins: [{ user: 'postgres' }],
    };
    writeFileSync(file, stringify({ targets: [target], ...documented }));
  });

  afterAll(async () => {
    await admin.query(`drop database if exists ${DATABASE} with (force)`);
    await admin.end();
    tmp.cleanup();
  });

  /** The masking part of what the documented command prints. */
  async function masking(command: string): Promise<string> {
    const words = shellWords(command);
    expect(words[0]).toBe('gatehouse');
    const { stdout } = await run(process.execPath, [MAIN, ...words.slice(1), '--config', file], {
      cwd: tmp.dir,
    });
    return stdout.slice(stdout.indexOf('\nmasking:') + 1);
  }

  it('docs/explain.md: the view, the rule and the computed columns', async () => {
    const command = block(explainDoc, '## Masking', 'sh');
    expect(await masking(command)).toBe(`${block(explainDoc, '\nends its report with\n', '')}\n`);
  });

  it('docs/masking.md: a masked identity, then one in an unmasked group', async () => {
    const heading = '### Checking a statement with explain';
    const section = maskingDoc.slice(maskingDoc.indexOf(heading));
    const command = block(section, heading, 'sh');
    expect(await masking(command)).toBe(`${block(section, '\nends with\n', '')}\n`);
    const dba = command.replace('--as alice --groups dev', '--as root --groups dba');
    expect(dba).not.toBe(command);
    expect(await masking(dba)).toBe(`${block(section, '--groups dba`):\n', '')}\n`);
  });
});
