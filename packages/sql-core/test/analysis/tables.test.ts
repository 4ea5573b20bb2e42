import { createPostgresAnalyser, type ColumnUse, type PostgresAnalyser } from '../../src/analysis';
import { analysisTable, tableName } from './analysis-table';

// Tables read and written: schema as written, identifiers folded and decoded exactly as
// PostgreSQL does, CTE names never taken for tables (and never hiding one).
analysisTable('tables read and written', [
  { sql: 'SELECT * FROM Users', kind: 'read', read: ['users'], note: 'unquoted names fold to lower case' },
  { sql: 'SELECT * FROM "Users"', kind: 'read', read: ['Users'], note: 'quoted names keep their case' },
  { sql: 'SELECT * FROM "Sales"."Q1 ""Final"""', kind: 'read', read: ['Sales.Q1 "Final"'] },
  {
    sql: 'SELECT * FROM U&"d\\0061t\\+000061"',
    kind: 'read',
    read: ['data'],
    note: 'U& identifiers are decoded',
  },
  { sql: 'SELECT * FROM U&"!0064ata" UESCAPE \'!\'', kind: 'read', read: ['data'] },
  { sql: 'SELECT * FROM Public.T', kind: 'read', read: ['public.t'] },
  { sql: 'SELECT * FROM mydb.app.t', kind: 'read', read: ['app.t'], note: 'the catalog part is dropped' },
  { sql: 'SELECT * FROM ONLY parent', kind: 'read', read: ['parent'] },
  {
    sql: `SELECT * FROM ${'a'.repeat(70)}`,
    kind: 'read',
    read: ['a'.repeat(63)],
    note: 'identifiers are truncated to 63 bytes as PostgreSQL does',
  },
  {
    sql: 'SELECT u.id FROM users u JOIN orders o ON o.uid = u.id LEFT JOIN s.items i USING (id)',
    kind: 'read',
    read: ['users', 'orders', 's.items'],
  },
  {
    sql: 'SELECT * FROM a, (SELECT * FROM b) sb, LATERAL (SELECT * FROM c WHERE c.id = a.id) lc',
    kind: 'read',
    read: ['a', 'b', 'c'],
  },
  {
    sql: 'SELECT (SELECT max(x) FROM m), EXISTS (SELECT 1 FROM e) FROM t',
    kind: 'read',
    read: ['m', 'e', 't'],
  },
  { sql: 'SELECT * FROM t WHERE id IN (SELECT tid FROM u)', kind: 'read', read: ['t', 'u'] },
  {
    sql: 'SELECT * FROM a UNION SELECT * FROM b EXCEPT SELECT * FROM c',
    kind: 'read',
    read: ['a', 'b', 'c'],
  },
  { sql: 'SELECT * FROM t TABLESAMPLE BERNOULLI (10)', kind: 'read', read: ['t'] },
  { sql: 'SELECT * FROM generate_series(1, 3) g', kind: 'read', functions: ['generate_series'] },
  {
    sql: 'WITH c AS (SELECT * FROM t) SELECT * FROM c',
    kind: 'read',
    read: ['t'],
    note: 'a CTE name is not a table',
  },
  {
    sql: 'WITH c AS (SELECT * FROM t) SELECT * FROM public.c',
    kind: 'read',
    read: ['t', 'public.c'],
    note: 'a qualified name is never a CTE',
  },
  {
    sql: 'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a, b',
    kind: 'read',
    read: ['b'],
    note: 'inside a, b is still the table',
  },
  {
    sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r',
    kind: 'read',
  },
  {
    sql: 'SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) s, x',
    kind: 'read',
    read: ['x'],
    note: 'a CTE is not visible outside its query',
  },
  {
    sql: 'WITH t AS (SELECT 1) DELETE FROM t WHERE id = 1',
    kind: 'write',
    written: ['t'],
    note: 'a DML target is always a table',
  },
  {
    sql: 'WITH s AS (SELECT 1 AS id) UPDATE t SET a = 1 FROM s WHERE s.id = t.id',
    kind: 'write',
    written: ['t'],
  },
  { sql: 'INSERT INTO t SELECT * FROM s', kind: 'write', read: ['s'], written: ['t'] },
  {
    sql: 'INSERT INTO t (a) VALUES (1) RETURNING id',
    kind: 'write',
    read: ['t'],
    written: ['t'],
    note: 'RETURNING reads the target',
  },
  {
    sql: 'INSERT INTO t AS x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a + x.a',
    kind: 'write',
    written: ['t'],
  },
  { sql: 'UPDATE t SET a = s.a FROM s WHERE s.id = t.id', kind: 'write', read: ['s'], written: ['t'] },
  { sql: 'DELETE FROM t USING u WHERE t.id = u.id', kind: 'write', read: ['u'], written: ['t'] },
  {
    sql: 'MERGE INTO t USING (SELECT * FROM s) src ON t.id = src.id WHEN NOT MATCHED THEN INSERT VALUES (src.id)',
    kind: 'write',
    read: ['s'],
    written: ['t'],
  },
  { sql: 'COPY t (a, b) FROM STDIN WITH (FORMAT csv)', kind: 'write', written: ['t'] },
  {
    sql: 'CREATE TABLE c (id int REFERENCES p (id), LIKE tmpl)',
    kind: 'ddl',
    read: ['p', 'tmpl'],
    written: ['c'],
  },
  {
    sql: 'CREATE TABLE part1 PARTITION OF parent FOR VALUES IN (1)',
    kind: 'ddl',
    written: ['part1', 'parent'],
  },
  { sql: 'DROP TABLE a.b, c', kind: 'ddl', written: ['a.b', 'c'], guardrails: ['drop-table'] },
  {
    sql: 'DROP SCHEMA s',
    kind: 'ddl',
    written: ['s.*'],
    guardrails: ['drop-schema'],
    note: 'a schema is every table in it',
  },
  { sql: 'DROP TRIGGER trg ON s.t', kind: 'ddl', written: ['s.t'] },
  { sql: 'GRANT USAGE ON SCHEMA s TO r', kind: 'dcl', written: ['s.*'], guardrails: ['privilege-change'] },
  { sql: 'TRUNCATE a, s.b', kind: 'write', written: ['a', 's.b'], guardrails: ['truncate'] },
  {
    sql: 'SELECT nextval(\'"Odd"."Seq"\')',
    kind: 'write',
    written: ['Odd.Seq'],
    note: 'regclass text follows identifier rules',
  },
  { sql: "SELECT nextval('Public.Seq')", kind: 'write', written: ['public.seq'] },
]);

describe('columns', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser({ cacheSize: 0 });
  });

  const uses = (sql: string): string[] =>
    (analyser.analyse(sql).statements[0]?.columns ?? [])
      .map((c: ColumnUse) => `${c.table === null ? '?' : tableName(c.table)}.${c.column}:${c.role}`)
      .sort();

  test.each([
    [
      'SELECT u.name, o.total FROM users u JOIN orders o ON o.uid = u.id WHERE u.active GROUP BY u.name, o.total ORDER BY o.total',
      [
        'orders.total:grouping',
        'orders.total:ordering',
        'orders.total:output',
        'orders.uid:predicate',
        'users.active:predicate',
        'users.id:predicate',
        'users.name:grouping',
        'users.name:output',
      ],
    ],
    ['SELECT a, b FROM t WHERE c = 1', ['t.a:output', 't.b:output', 't.c:predicate']],
    ['SELECT a FROM t, u', ['?.a:output']],
    ['SELECT * FROM t', ['t.*:output']],
    ['SELECT t.* FROM t, u', ['t.*:output']],
    ['SELECT public.t.a FROM public.t', ['public.t.a:output']],
    ['SELECT s.x FROM (SELECT a AS x FROM t) s', ['?.x:output', 't.a:output']],
    [
      'SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE u.d = t.e)',
      ['t.a:output', 't.b:predicate', 't.e:predicate', 'u.c:output', 'u.d:predicate'],
    ],
    ['UPDATE t SET a = b + 1 WHERE id = 2', ['t.a:assignment', 't.b:other', 't.id:predicate']],
    ['INSERT INTO t (a, b) VALUES (1, 2) RETURNING id', ['t.a:assignment', 't.b:assignment', 't.id:output']],
    ['DELETE FROM t WHERE created < now() RETURNING *', ['t.*:output', 't.created:predicate']],
    ['WITH c AS (SELECT id FROM t) SELECT id FROM c', ['?.id:output', 't.id:output']],
    ['COPY t (a, b) TO STDOUT', ['t.a:output', 't.b:output']],
    ['COPY t TO STDOUT', ['t.*:output']],
    ['SELECT count(*) FILTER (WHERE x > 0) FROM t HAVING sum(y) > 1', ['t.x:output', 't.y:predicate']],
  ])('%s', (sql, expected) => {
    expect(uses(sql)).toEqual([...expected].sort());
  });
});
