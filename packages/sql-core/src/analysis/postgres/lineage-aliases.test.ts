import type { OutputColumn } from '../data-flow';
import { createPostgresDataFlowAnalyser, type PostgresDataFlowAnalyser } from './data-flow-analyser';

/**
 * Alias lists rename columns by position: `users x(a, b)` makes `a` the
 * first column of users, whatever its name (the engine asks the catalog
 * which), and leaves the columns past the list under their own names.
 * Sources are written `table.column`, a positional one `table.#k`.
 */
let analyser: PostgresDataFlowAnalyser;
beforeAll(async () => {
  analyser = await createPostgresDataFlowAnalyser();
});

function summary(o: OutputColumn): string {
  if (o.star !== undefined) return `*:star:${o.star.join(',')}`;
  const sources = o.sources.map(
    (s) => `${s.table ?? '?'}.${s.position === undefined ? s.column : `#${s.position}`}`,
  );
  return `${o.name}:${o.lineage}:${sources.join(',')}`;
}

const outputs = (sql: string): string[] | null => analyser.analyse(sql)[0]?.outputs?.map(summary) ?? null;

const CASES: readonly [string, readonly string[] | null][] = [
  ['select upper(x.f) from users x(a, b, c, d, e, f)', ['upper:derived:users.#6']],
  ['select x.b, b as c2 from users x(a, b)', ['b:direct:users.#2', 'c2:direct:users.#2']],
  ['select lower(f) from public.users x(a, b, c, d, e, f)', ['lower:derived:public.users.#6']],
  // Past the list, a column keeps its own name.
  ['select x.email, upper(name) as n from users x(a)', ['email:direct:users.email', 'n:derived:users.name']],
  // A whole row is the table's row (PostgreSQL keeps its row type and keys).
  ['select row_to_json(x) from users x(a, b)', ['row_to_json:row:users.*']],
  // `*`: the listed columns by position, then the rest of the table's.
  ['select * from users x(a, b)', ['a:direct:users.#1', 'b:direct:users.#2', '*:star:users']],
  ['select s.a from (select * from users x(a, b)) s', ['a:direct:users.#1']],
  [
    'select x.f || p.c from users x(a, b, c, d, e, f) join payments p(k, u, c) on p.u = x.a',
    ['?column?:derived:users.#6,payments.#3'],
  ],
  // Two positions of one table stay two sources.
  ['select concat(x.a, x.b) from users x(a, b)', ['concat:derived:users.#1,users.#2']],
  // Subqueries and CTEs rename their own traced columns.
  ['select upper(n) from (select name from users) s(n)', ['upper:derived:users.name']],
  ['with c(n) as (select name from users) select n from c', ['n:direct:users.name']],
  ['with c as (select name from users) select upper(q.n) from c q(n)', ['upper:derived:users.name']],
];

describe('lineage through alias lists', () => {
  it.each(CASES)('%s', (sql, expected) => {
    expect(outputs(sql)).toEqual(expected);
  });

  it('keeps a positional source any column of the row for checks that cannot resolve it', () => {
    const flow = analyser.analyse('select x.f from users x(a, b, c, d, e, f) where x.c = 1')[0];
    expect(flow?.uses.map((u) => [u.source.table, u.source.column, u.source.position, u.clause])).toEqual([
      ['users', '*', 6, 'output'],
      ['users', '*', 3, 'predicate'],
    ]);
  });
});
