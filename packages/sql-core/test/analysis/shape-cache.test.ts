import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresAnalyser, type Analysis } from '../../src/analysis';

/**
 * Statements that differ only in literal values may share one analysis (the shape cache).
 * Whatever was analysed before, a text must get exactly the facts a fresh analyser gives it:
 * a literal that decides a fact (a constant WHERE, a sequence or setting named in a string, a
 * DO body) must never let one text's verdict stand for another's.
 */
const CORPUS = [
  'select * from accounts where id = 1',
  "select name from users u where u.email = 'a' and u.age > 2",
  'delete from orders where 1 = 2',
  'delete from orders where id = 1 or 1 = 2',
  "update users set name = 'a' where 'a' = 'b'",
  "select * from t where 'x' = 'y'",
  "select * from t where x = 'y' and 1 < 2",
  "select nextval('orders_id_seq')",
  "select setval('orders_id_seq', 5)",
  "select set_config('application_name', 'x', false)",
  'select * from t where id in (1, 2, 3) limit 10 offset 5',
  "insert into audit_log(id, note) values (1, 'x'), (2, 'y')",
  'update accounts set balance = balance - 5 where id = 7',
  "select 1 where 'a' <> 'a'",
  'select * from t where not (2 > 1)',
  "select * from t where 't'::boolean",
  'select * from t where exists (select 1 where 1 = 2)',
  "select count(*) from t where created_at > '2024-01-01'",
  'select * from t where x = 1; delete from u where 1 = 2',
] as const;

/** Values a literal is swapped for: numbers, strings, and names that matter to some function. */
const VALUES = [
  '0',
  '1',
  '2',
  "'a'",
  "'b'",
  "'role'",
  "'session_authorization'",
  "'public.secret_seq'",
  "'x'",
];

function literalsOf(sql: string): RegExpExecArray[] {
  return [...sql.matchAll(/'[^']*'|\b\d+\b/g)] as RegExpExecArray[];
}

/** Every text made by replacing one literal, or all literals with one value (which makes `1 = 2` into `1 = 1`). */
function variants(sql: string): string[] {
  const found = literalsOf(sql);
  const out = new Set<string>();
  for (const value of VALUES) {
    out.add(sql.replace(/'[^']*'|\b\d+\b/g, value));
    for (const m of found) out.add(sql.slice(0, m.index) + value + sql.slice(m.index + m[0].length));
  }
  return [...out];
}

const view = (a: Analysis) => JSON.stringify(a.statements);

/** Every `sql: "..."` case of the analysis tables beside this file (triggers, near misses, evasions). */
function tableStatements(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(__dirname).filter(
    (f) => f.endsWith('.test.ts') && f !== 'shape-cache.test.ts',
  )) {
    const source = readFileSync(join(__dirname, file), 'utf8');
    for (const m of source.matchAll(/sql: "((?:[^"\\]|\\.)*)"/g)) out.push(JSON.parse(`"${m[1]}"`) as string);
    for (const m of source.matchAll(/sql: '((?:[^'\\]|\\.)*)'/g)) out.push(m[1]!.replace(/\\'/g, "'"));
  }
  return out;
}

describe('shape cache', () => {
  it('gives every text the facts a fresh analyser gives it, whatever was cached before', async () => {
    const warm = await createPostgresAnalyser();
    for (const sql of CORPUS) warm.analyse(sql);
    let compared = 0;
    for (const sql of CORPUS) {
      for (const variant of variants(sql)) {
        const fresh = await createPostgresAnalyser();
        expect({ sql: variant, facts: view(warm.analyse(variant)) }).toEqual({
          sql: variant,
          facts: view(fresh.analyse(variant)),
        });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('holds over every statement of the analysis tables and their literal variants', async () => {
    const corpus = tableStatements();
    expect(corpus.length).toBeGreaterThan(300);
    const warm = await createPostgresAnalyser();
    for (const sql of corpus) warm.analyse(sql);
    for (const sql of corpus) {
      for (const variant of variants(sql)) {
        const fresh = await createPostgresAnalyser();
        const got = view(warm.analyse(variant));
        const want = view(fresh.analyse(variant));
        if (got !== want) expect({ sql: variant, facts: got }).toEqual({ sql: variant, facts: want });
      }
    }
  });

  it('shares the analysis of plain statements that differ only in literals', async () => {
    const a = await createPostgresAnalyser();
    const first = a.analyse('select abalance from pgbench_accounts where aid = 12345');
    expect(a.analyse('select abalance from pgbench_accounts where aid = 777')).toBe(first);
    expect(a.analyse("select * from users where email = 'x@example.com'")).toBe(
      a.analyse("select * from users where email = 'y@example.com'"),
    );
  });

  it('never shares when a literal decides a fact', async () => {
    const a = await createPostgresAnalyser();
    expect(a.analyse('delete from t where 1 = 2').statements[0]?.guardrails).toEqual([]);
    expect(a.analyse('delete from t where 1 = 1').statements[0]?.guardrails.map((g) => g.id)).toEqual([
      'delete-without-where',
      'tautological-where',
    ]);
    a.analyse("select nextval('a_seq')");
    expect(a.analyse("select nextval('secret.audit_seq')").statements[0]?.tablesWritten).toEqual([
      { schema: 'secret', name: 'audit_seq' },
    ]);
    a.analyse("select set_config('application_name', 'x', false)");
    expect(
      a.analyse("select set_config('role', 'x', false)").statements[0]?.guardrails.map((g) => g.id),
    ).toContain('role-switch');
    a.analyse('do $$ begin perform 1; end $$');
    expect(a.analyse('do $$ begin delete from t; end $$').statements[0]?.kind).not.toBe('read');
  });

  it('never shares a text its lexer could read differently from the server', async () => {
    const a = await createPostgresAnalyser();
    const plain = a.analyse("select 'x'");
    // Unterminated, escaped, dollar-quoted and Unicode strings are cached by exact text only.
    expect(a.analyse("select 'hunter2").statements[0]?.kind).toBe('unknown');
    expect(a.analyse("select E'x'")).not.toBe(plain);
    expect(a.analyse('select $$x$$')).not.toBe(plain);
    expect(a.analyse("select U&'x'")).not.toBe(plain);
    expect(a.analyse("select 'x''")).not.toBe(plain);
  });
});
