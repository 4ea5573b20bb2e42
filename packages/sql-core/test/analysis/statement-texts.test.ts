import { createPostgresAnalyser, postgresStatementTexts, type PostgresAnalyser } from '../../src/analysis';

/**
 * The text of each statement of a client string, as explain sends them to
 * the target one by one: the same split (and the same count) as the
 * analyser's, byte offsets turned into characters for non-ASCII text.
 */
let analyser: PostgresAnalyser;
beforeAll(async () => {
  analyser = await createPostgresAnalyser();
});

const CASES: readonly (readonly [string, readonly string[]])[] = [
  ['select 1', ['select 1']],
  ['select 1;', ['select 1']],
  ['select 1; select 2', ['select 1', 'select 2']],
  ["select 'a;b' as x; select $$;$$", ["select 'a;b' as x", 'select $$;$$']],
  ["select 'é' as ü; select 'ß'", ["select 'é' as ü", "select 'ß'"]],
  ['/* lead */ select 1 -- tail\n; select 2', ['select 1 -- tail\n', 'select 2']],
  ['begin; update t set a = 1; commit', ['begin', 'update t set a = 1', 'commit']],
  ['', []],
  ['select from where', []],
];

describe('postgresStatementTexts', () => {
  it.each(CASES)('%j', (sql, texts) => {
    expect(postgresStatementTexts(sql)).toEqual(texts);
  });

  it.each(CASES.filter(([, texts]) => texts.length > 0))('%j: as many as the analyser finds', (sql) => {
    expect(postgresStatementTexts(sql).length).toBe(analyser.analyse(sql).statements.length);
  });
});
