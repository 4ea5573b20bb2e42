import { createPostgresDataFlowAnalyser, type PostgresDataFlowAnalyser } from '../../src/analysis';
import { checkDataFlow, createMaskPlan, isSensitiveSource, touchesSensitive } from '../../src/masking';

let analyser: PostgresDataFlowAnalyser;
beforeAll(async () => {
  analyser = await createPostgresDataFlowAnalyser();
});

const plan = createMaskPlan({
  rules: [
    { table: 'public.orders', column: 'reference', mask: 'redact' },
    { table: 'users', column: 'nickname', mask: 'never' },
  ],
});

function check(sql: string, strict = false): string | null {
  for (const flow of analyser.analyse(sql)) {
    const denial = checkDataFlow(plan, flow, strict);
    if (denial !== null) return denial.ruleId;
  }
  return null;
}

describe('isSensitiveSource', () => {
  it.each([
    ['users', 'email', true],
    ['users', 'ssn', true],
    ['users', 'name', true],
    ['products', 'name', false],
    ['users', 'id', false],
    ['users', 'notes', false],
    ['users', 'email_verified', false],
    ['public.orders', 'reference', true],
    ['users', 'nickname', false],
    ['users', '*', true],
  ] as const)('%s.%s -> %s', (table, column, expected) => {
    expect(isSensitiveSource(plan, table, column)).toBe(expected);
  });
});

describe('checkDataFlow: side channels for masked identities', () => {
  it.each([
    // pg_notify and set_config with a sensitive argument
    ["select pg_notify('ch', ssn) from users", 'masking-side-channel'],
    ["select pg_notify('ch', row_to_json(u)::text) from users u", 'masking-side-channel'],
    ["select set_config('app.x', email, false) from users", 'masking-side-channel'],
    ["select pg_notify('ch', id::text) from users", null],
    ["select set_config('app.x', 'on', false)", null],
    // masked placeholders written back
    ["update users set ssn = '***-**-6789' where id = 1", 'masking-write-back'],
    ["insert into users (email) values ('j***@example.com')", 'masking-write-back'],
    ["update users set email = 'jane@example.com' where id = 1", null],
    // sensitive values copied where they are not masked
    ['update notes set note = ssn from users where users.id = notes.user_id', 'masking-copy'],
    ['update users set notes = reverse(ssn)', 'masking-copy'],
    ['create table x as select ssn as n from users', 'masking-copy'],
    ['select lower(email) as contact into y from users', 'masking-copy'],
    ['insert into t select ssn from users', 'masking-copy'],
    ["copy (select ssn from users) to '/tmp/x'", 'masking-copy'],
    // ... but not into a column masked the same way, nor a copy keeping the names
    ['update users set email = lower(email)', null],
    ['create table x as select ssn, email from users', null],
    ['create table y as select * from users', null],
    ['insert into archive (ssn) select ssn from users', null],
    ['update notes set note = upper(note)', null],
    // plain reads are fine
    ['select email, ssn, count(*) from users group by 1, 2', null],
  ] as const)('%s -> %s', (sql, expected) => {
    expect(check(sql)).toBe(expected);
  });
});

describe('checkDataFlow: strict mode', () => {
  it.each([
    ["select id from users where ssn = '123-45-6789'", 'masking-strict'],
    ['select id from users order by dob', 'masking-strict'],
    ['select count(*) from users group by email', 'masking-strict'],
    ['select ssn::int from users', 'masking-strict'],
    ["select case when ssn like '1%' then 1 else 0 end from users", 'masking-strict'],
    ['select 1 / (ascii(ssn) - 49) from users', 'masking-strict'],
    ['select length(email) from users', 'masking-strict'],
    ['select pg_sleep(1)', 'masking-strict'],
    ['select 1 from users u join payments p on p.card_number = u.phone', 'masking-strict'],
    // plain outputs and value-preserving functions stay allowed
    ['select email, lower(ssn), u.phone from users u where id = 5 order by id', null],
    ['select json_agg(u) from users u where u.id > 5', null],
    ['select count(*) from users where created_at > now()', null],
  ] as const)('%s -> %s', (sql, expected) => {
    expect(check(sql, true)).toBe(expected);
  });

  it('is off unless asked for', () => {
    expect(check("select id from users where ssn = '123-45-6789'")).toBeNull();
  });
});

describe('touchesSensitive', () => {
  it('is true for statements that read masked columns or whole rows', () => {
    const t = (sql: string): boolean => touchesSensitive(plan, analyser.analyse(sql)[0]!);
    expect(t('select ssn::int from users')).toBe(true);
    expect(t('select * from users')).toBe(true);
    expect(t('select id, created_at from users')).toBe(false);
  });
});
