import {
  createPostgresDataFlowAnalyser,
  type OutputColumn,
  PostgresDataFlowAnalyser,
  type StatementDataFlow,
} from '../../src/analysis';

/**
 * Output-column lineage, table-driven. Each output is written
 * `name:lineage:source,source` (sources `table.column`, `*` for a whole row),
 * a `*` over tables as `*:star:t1,t2`.
 */
let analyser: PostgresDataFlowAnalyser;
beforeAll(async () => {
  analyser = await createPostgresDataFlowAnalyser();
});

function flow(sql: string, index = 0): StatementDataFlow {
  const f = analyser.analyse(sql)[index];
  if (f === undefined) throw new Error(`no statement ${index} in ${sql}`);
  return f;
}

function summary(o: OutputColumn): string {
  if (o.star !== undefined) return `*:star:${o.star.join(',')}`;
  return `${o.name}:${o.lineage}:${o.sources.map((s) => `${s.table ?? '?'}.${s.column}`).join(',')}`;
}

const outputs = (sql: string, index = 0): string[] | null => flow(sql, index).outputs?.map(summary) ?? null;

describe('output-column lineage', () => {
  const cases: readonly [string, readonly string[] | null][] = [
    // direct, through aliases
    ['select email, u.ssn as s from users u', ['email:direct:users.email', 's:direct:users.ssn']],
    ['select public.users.email from public.users', ['email:direct:public.users.email']],
    // * and TABLE
    ['select * from users', ['*:star:users']],
    ['table users', ['*:star:users']],
    [
      'select u.*, p.iban from users u join payments p on p.user_id = u.id',
      ['*:star:users', 'iban:direct:payments.iban'],
    ],
    // derived: functions, operators, casts, aggregates
    ['select lower(email) from users', ['lower:derived:users.email']],
    ['select substr(ssn, 1, 3) as p from users', ['p:derived:users.ssn']],
    ["select translate(phone, '0123456789', 'xxxxxxxxxx') from users", ['translate:derived:users.phone']],
    ["select encode(convert_to(email, 'UTF8'), 'base64') from users", ['encode:derived:users.email']],
    [
      "select concat(first_name, ' ', last_name) from users",
      ['concat:derived:users.first_name,users.last_name'],
    ],
    ["select email || '' from users", ['?column?:derived:users.email']],
    ['select ssn::text, ssn::int from users', ['ssn:derived:users.ssn', 'ssn:derived:users.ssn']],
    [
      "select string_agg(email, ', '), array_agg(phone) from users",
      ['string_agg:derived:users.email', 'array_agg:derived:users.phone'],
    ],
    ['select coalesce(email, phone) from users', ['coalesce:derived:users.email,users.phone']],
    ["select case when id > 1 then email else 'x' end from users", ['case:derived:users.email']],
    // nothing of the value: counts and lengths
    [
      'select count(*), count(email), length(ssn) from users',
      ['count:derived:', 'count:derived:', 'length:derived:'],
    ],
    ['select 1, $1::text', ['?column?:derived:', 'text:derived:']],
    // whole rows
    ['select json_agg(u) from users u', ['json_agg:row:users.*']],
    [
      'select row_to_json(u), to_jsonb(u.*) from users u',
      ['row_to_json:row:users.*', 'to_jsonb:row:users.*'],
    ],
    ['select u from users u', ['u:row:users.*']],
    ["select to_jsonb(u) - 'ssn' from users u", ['?column?:row:users.*']],
    ['select (u).email from users u', ['email:direct:users.email']],
    // subqueries and CTEs
    ['select s.e from (select lower(email) as e from users) s', ['e:derived:users.email']],
    ['select * from (select email, id from users) s', ['email:direct:users.email', 'id:direct:users.id']],
    [
      'with c as (select email as contact from users) select upper(contact) from c',
      ['upper:derived:users.email'],
    ],
    ['with c(x) as (select ssn from users) select x from c', ['x:direct:users.ssn']],
    ['select (select email from users limit 1) as e', ['e:derived:users.email']],
    ['select x from users, lateral jsonb_each(users.data) j(x, y)', ['x:derived:users.data']],
    // UNION branches
    [
      'select email from users union all select iban from payments',
      ['email:derived:users.email,payments.iban'],
    ],
    ['select * from users union select * from users_archive', ['*:star:users,users_archive']],
    // VALUES
    ["values ('a', 1)", ['column1:derived:', 'column2:derived:']],
    // RETURNING, cursors, COPY, PREPARE
    [
      'insert into users (email) values ($1) returning id, lower(email)',
      ['id:direct:users.id', 'lower:derived:users.email'],
    ],
    ['delete from users where id = 1 returning *', ['*:star:users']],
    ['update users u set email = $1 returning u.ssn', ['ssn:direct:users.ssn']],
    ['declare c cursor for select lower(email) from users', ['lower:derived:users.email']],
    ['copy users (email, ssn) to stdout', ['email:direct:users.email', 'ssn:direct:users.ssn']],
    ['copy (select upper(email) from users) to stdout with csv', ['upper:derived:users.email']],
    ['prepare p as select ssn from users', ['ssn:direct:users.ssn']],
    // no rows
    ['fetch 10 from c', null],
    ['copy users from stdin', null],
    ['select ssn into backup from users', null],
  ];
  it.each(cases)('%s', (sql, expected) => {
    expect(outputs(sql)).toEqual(expected);
  });

  it('marks cursors, fetches, prepared statements and COPY formats', () => {
    expect(flow('declare c binary cursor with hold for select 1')).toMatchObject({
      declares: 'c',
      binaryCursor: true,
    });
    expect(flow('fetch forward 5 from c').fetches).toBe('c');
    expect(flow('move 5 in c').fetches).toBeUndefined();
    expect(flow('close c').closes).toBe('c');
    expect(flow('close all').closes).toBe('*');
    expect(flow('prepare p as select 1').prepares).toBe('p');
    expect(flow('execute p(1)').executes).toBe('p');
    expect(flow('copy users to stdout').copyOut).toEqual({
      format: 'text',
      delimiter: '\t',
      null: '\\N',
      quote: '"',
      escape: '"',
      header: false,
      query: 'SELECT * FROM "users"',
    });
    expect(flow('copy public."Users" (email, "SSN") to stdout').copyOut?.query).toBe(
      'SELECT "email", "SSN" FROM "public"."Users"',
    );
    const sql = 'select 1; copy ( select \')\' as "a)", lower(email) from users /* ) */ ) to stdout';
    expect(flow(sql, 1).copyOut?.query).toBe(' select \')\' as "a)", lower(email) from users /* ) */ ');
    expect(
      flow("copy users to stdout (format csv, delimiter ';', null 'NULL', header, quote '''', escape '\\')")
        .copyOut,
    ).toEqual({
      format: 'csv',
      delimiter: ';',
      null: 'NULL',
      quote: "'",
      escape: '\\',
      header: true,
      query: 'SELECT * FROM "users"',
    });
    expect(flow('copy users to stdout with binary').copyOut?.format).toBe('binary');
    // To a server file: no rows for the client, a store for the checks.
    const toFile = flow("copy users (ssn) to '/tmp/x'");
    expect(toFile.outputs).toBeNull();
    expect(toFile.stores).toEqual([
      { table: null, column: null, sources: [{ table: 'users', column: 'ssn' }], literals: [] },
    ]);
  });

  it('marks values whose writing a function changed (masked whole, not by format)', () => {
    const t = (sql: string): (boolean | undefined)[] | undefined =>
      flow(sql).outputs?.map((o) => o.transformed);
    expect(t("select lower(email), substr(ssn, 1, 3), email || '!', coalesce(phone, '') from users")).toEqual(
      [undefined, undefined, undefined, undefined],
    );
    expect(
      t(
        "select translate(phone, '0123456789', 'abcdefghij'), encode(ssn::bytea, 'hex'), reverse(ssn), md5(email), dob + 1 from users",
      ),
    ).toEqual([true, true, true, true, true]);
    expect(t('select upper(x) from (select reverse(email) as x from users) s')).toEqual([true]);
  });

  it('gives one entry per statement of a string', () => {
    const all = analyser.analyse('select email from users; select 1; fetch 1 from c');
    expect(all.map((f) => f.outputs?.length ?? null)).toEqual([1, 1, null]);
    expect(analyser.analyse('select from where')).toEqual([]);
  });
});

describe('data flows', () => {
  it('records what is stored where', () => {
    expect(flow('update notes n set note = u.ssn from users u where u.id = n.user_id').stores).toEqual([
      { table: 'notes', column: 'note', sources: [{ table: 'users', column: 'ssn' }], literals: [] },
    ]);
    expect(flow("update users set ssn = '***-**-6789' where id = 1").stores).toEqual([
      { table: 'users', column: 'ssn', sources: [], literals: ['***-**-6789'] },
    ]);
    expect(flow("insert into t (a, b) select ssn, 'x' from users").stores).toEqual([
      { table: 't', column: 'a', sources: [{ table: 'users', column: 'ssn' }], literals: [] },
      { table: 't', column: 'b', sources: [], literals: ['x'] },
    ]);
    expect(flow('insert into t select ssn from users').stores[0]).toMatchObject({
      column: null,
      sources: [{ table: 'users', column: 'ssn' }],
    });
    expect(flow('create table x as select ssn as n, email from users').stores).toEqual([
      { table: 'x', column: 'n', sources: [{ table: 'users', column: 'ssn' }], literals: [] },
      { table: 'x', column: 'email', sources: [{ table: 'users', column: 'email' }], literals: [] },
    ]);
    expect(flow('select * into y from users').stores).toEqual([
      { table: 'y', column: '*', sources: [{ table: 'users', column: '*' }], literals: [] },
    ]);
    expect(
      flow('update t set (a, b) = (select email, id from users limit 1)').stores.map((s) => s.sources),
    ).toEqual([[{ table: 'users', column: 'email' }], [{ table: 'users', column: 'id' }]]);
    expect(
      flow(
        'merge into t using users u on t.id = u.id when matched then update set a = u.ssn when not matched then insert (a) values (u.email)',
      ).stores,
    ).toEqual([
      { table: 't', column: 'a', sources: [{ table: 'users', column: 'ssn' }], literals: [] },
      { table: 't', column: 'a', sources: [{ table: 'users', column: 'email' }], literals: [] },
    ]);
  });

  it('records calls with the columns passed to them, and sleeps', () => {
    expect(flow("select pg_notify('ch', ssn) from users").calls).toEqual([
      { name: 'pg_notify', sources: [{ table: 'users', column: 'ssn' }] },
    ]);
    expect(flow("select set_config('x.y', email, false) from users").calls[0]?.name).toBe('set_config');
    expect(flow('select pg_sleep(1)').sleeps).toBe(true);
    expect(flow('select 1').sleeps).toBe(false);
  });

  it('records where each column is used, and the oracles around it', () => {
    const uses = flow("select email from users where ssn like '1%' order by dob").uses;
    expect(uses).toEqual([
      { source: { table: 'users', column: 'email' }, clause: 'output' },
      { source: { table: 'users', column: 'ssn' }, clause: 'predicate', oracle: 'comparison', detail: '~~' },
      { source: { table: 'users', column: 'dob' }, clause: 'ordering' },
    ]);
    const oracles = flow(
      'select ssn::int, case when ssn > 5 then 1 end, 1 / (ascii(ssn) - 49), lower(email) from users',
    ).uses;
    expect(oracles.map((u) => u.oracle ?? '-')).toEqual(['cast', 'case', 'arithmetic', '-']);
    // An ORDER BY on an output alias is that column.
    expect(flow('select ssn as x from users order by x').uses.at(-1)).toEqual({
      source: { table: 'users', column: 'ssn' },
      clause: 'ordering',
    });
    // A subquery in WHERE: its select list is part of the predicate.
    expect(flow('select 1 from t where exists (select ssn from users)').uses).toEqual([
      { source: { table: 'users', column: 'ssn' }, clause: 'predicate' },
    ]);
    expect(flow('select count(*) from users group by email').uses).toEqual([
      { source: { table: 'users', column: 'email' }, clause: 'grouping' },
    ]);
  });
});

describe('the data-flow cache', () => {
  it('shares one trace between texts that differ only in constants, unless a constant matters', () => {
    const a = new PostgresDataFlowAnalyser();
    const first = a.analyse('select email from users where id = 1', 'k1');
    expect(a.analyse('select email from users where id = 2', 'k1')).toBe(first);
    // ORDER BY 2 and ORDER BY 1 normalise alike but do not flow alike.
    const byTwo = a.analyse('select id, ssn from users order by 2', 'k2');
    expect(byTwo[0]?.constantsMatter).toBe(true);
    expect(a.analyse('select id, ssn from users order by 1', 'k2')).not.toBe(byTwo);
    // A text that may hold a masked placeholder is always traced itself.
    a.analyse("update users set note = 'x' where id = 1", 'k3');
    expect(a.analyse("update users set note = '***' where id = 1", 'k3')[0]?.stores[0]?.literals).toEqual([
      '***',
    ]);
  });
});
