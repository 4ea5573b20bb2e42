import {
  analysePostgresDataFlow,
  createPostgresDataFlowAnalyser,
  throughViews,
  type OutputColumn,
  type ViewColumns,
} from '../../src/analysis';

/**
 * Lineage through views within views: each view's columns are traced from
 * its definition (as pg_get_viewdef prints it), and a result column whose
 * source is a view's column ends at the columns that view computes it from.
 */
beforeAll(async () => {
  await createPostgresDataFlowAnalyser();
});

const outputsOf = (sql: string): readonly OutputColumn[] => {
  const outputs = analysePostgresDataFlow(sql)[0]?.outputs;
  if (outputs === null || outputs === undefined) throw new Error(`no outputs: ${sql}`);
  return outputs;
};

/** Definitions as pg_get_viewdef prints them: qualified outside the search path, bare inside it. */
const DEFINITIONS: Readonly<Record<string, string>> = {
  'app.contacts': 'SELECT u.id, u.email AS contact, lower(u.name) AS who, md5(u.ssn) AS h FROM app.users u',
  'app.c2': 'SELECT contacts.id, contacts.contact, contacts.who, contacts.h FROM app.contacts',
  'app.c3': 'SELECT c.id, c.who AS handle, c.contact AS reach, c.h AS digest FROM app.c2 c',
  'app.series': 'SELECT g.g AS n, u.email FROM generate_series(1, 3) g(g), app.users u',
  rows: 'SELECT row_to_json(u.*) AS doc FROM app.users u',
  'app.upper_case': 'SELECT u.email AS "Contact" FROM app.users u',
};
const VIEWS: ViewColumns = (table) => {
  const sql = DEFINITIONS[table];
  return sql === undefined ? undefined : outputsOf(sql);
};

const summary = (o: OutputColumn): string =>
  `${o.name}:${o.lineage}${o.transformed === true ? '!' : ''}:${o.sources.map((s) => `${s.table ?? '?'}.${s.column}`).join(',')}`;
const traced = (sql: string): string[] => throughViews(outputsOf(sql), VIEWS).map(summary);

describe('throughViews', () => {
  it.each([
    // A view over a view over a table, renaming on the way.
    [
      'select handle, reach, digest, id from app.c3',
      [
        'handle:derived:app.users.name',
        'reach:direct:app.users.email',
        'digest:derived!:app.users.ssn',
        'id:direct:app.users.id',
      ],
    ],
    ['select upper(c.handle) as u from app.c3 c', ['u:derived:app.users.name']],
    ['select who, contact from app.c2', ['who:derived:app.users.name', 'contact:direct:app.users.email']],
    // Whole rows stay whole rows of the view: their keys are the view's names.
    ['select row_to_json(c) as j from app.c3 c', ['j:row:app.c3.*']],
    // A value computed from a view's row is computed from all of its columns (redacted whole, `!`).
    [
      'select upper(c.b) as u from app.contacts c(a, b)',
      [
        'u:derived!:app.users.id,app.contacts.id,app.users.email,app.contacts.contact,app.users.name,app.contacts.who,app.users.ssn,app.contacts.h',
      ],
    ],
    [
      'select c::text as t from app.c2 c',
      [
        't:derived!:app.users.id,app.c2.id,app.users.email,app.c2.contact,app.users.name,app.c2.who,app.users.ssn,app.c2.h',
      ],
    ],
    // A column the view does not trace keeps its own name; a traced one is followed.
    ['select n, email from app.series', ['n:direct:app.series.n', 'email:direct:app.users.email']],
    // A view column that is itself a whole row.
    ['select doc from rows', ['doc:row:app.users.*']],
    // Column names as PostgreSQL folds them, or quoted.
    ['select "Contact" from app.upper_case', ['Contact:direct:app.users.email']],
  ])('%s', (sql, expected) => {
    expect(traced(sql)).toEqual(expected);
  });

  it('leaves `*` to the engine, which expands it by the result description', () => {
    const outputs = outputsOf('select * from app.c3');
    expect(outputs[0]?.star).toEqual(['app.c3']);
    expect(throughViews(outputs, VIEWS)[0]).toBe(outputs[0]);
  });

  it('follows the view definitions themselves (what the engine keeps per view)', () => {
    expect(throughViews(outputsOf(DEFINITIONS['app.c3']!), VIEWS).map(summary)).toEqual([
      'id:direct:app.users.id',
      'handle:derived:app.users.name',
      'reach:direct:app.users.email',
      'digest:derived!:app.users.ssn',
    ]);
  });

  it('returns a column unchanged when no source is a view', () => {
    const outputs = outputsOf('select email, lower(name) from app.users');
    const out = throughViews(outputs, VIEWS);
    out.forEach((o, i) => expect(o).toBe(outputs[i]));
  });

  it("resolves the names in a view's definition in that view's scope, not the reader's", () => {
    // The reader's `c2` is some other relation; inside app.c3's definition `c2` is the view over contacts.
    const inner: ViewColumns = (table) => (table === 'c2' ? VIEWS('app.c2') : VIEWS(table));
    const reader: ViewColumns = (table) =>
      table === 'app.c3'
        ? { columns: outputsOf('SELECT c.id, c.who AS handle FROM c2 c'), names: inner }
        : table === 'c2'
          ? outputsOf('select 1 as id, 2 as who')
          : null;
    expect(throughViews(outputsOf('select handle from app.c3'), reader).map(summary)).toEqual([
      'handle:derived:app.users.name',
    ]);
    // Without a scope of its own, a definition's names are the reader's.
    const unscoped: ViewColumns = (table) =>
      table === 'app.c3' ? { columns: outputsOf('SELECT c.who AS handle FROM c2 c') } : VIEWS(table);
    expect(throughViews(outputsOf('select handle from app.c3'), unscoped).map(summary)).toEqual([
      'handle:direct:c2.who',
    ]);
  });

  it('stops on a lookup that loops', () => {
    const loop: ViewColumns = (table) =>
      table === 'a' ? outputsOf('select x from b') : table === 'b' ? outputsOf('select x from a') : null;
    expect(throughViews(outputsOf('select x from a'), loop).map(summary)).toEqual(['x:direct:a.x']);
  });
});
