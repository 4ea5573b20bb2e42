import fc from 'fast-check';
import * as libpg from 'libpg-query';
import {
  createPostgresAnalyser,
  PostgresAnalyser,
  StatementKind,
  type StatementFacts,
} from '../../src/analysis';

describe('PostgresAnalyser construction', () => {
  test('cannot be constructed before the parser is loaded', () => {
    // Runs first in this file: nothing has called createPostgresAnalyser yet.
    expect(() => new PostgresAnalyser()).toThrow(/createPostgresAnalyser/);
  });
});

describe('PostgresAnalyser', () => {
  let analyser: PostgresAnalyser;
  beforeAll(async () => {
    analyser = await createPostgresAnalyser({ cacheSize: 100 });
  });
  const one = (sql: string): StatementFacts => {
    const s = analyser.analyse(sql).statements;
    expect(s).toHaveLength(1);
    return s[0] as StatementFacts;
  };

  test('reports its dialect', () => {
    expect(analyser.dialect).toBe('postgres');
    expect(analyser.analyse('SELECT 1').dialect).toBe('postgres');
  });

  test.each(['', '   ', '\n\t', '-- only a comment', '/* only /* nested */ comment */', ';', ' ; ; '])(
    '%j holds no statement',
    (sql) => {
      expect(analyser.analyse(sql).statements).toEqual([]);
    },
  );

  test('a parse error is one unknown statement whose reason quotes nothing from the text', () => {
    const f = one("SELEC 'hunter2' FROM accounts");
    expect(f.kind).toBe('unknown');
    expect(f.command).toBe('UNKNOWN');
    expect(f.unknownReason).toMatch(/could not be parsed: syntax error at character 1/);
    expect(f.unknownReason).not.toMatch(/hunter2|SELEC/);
    expect(f.normalized).not.toContain('hunter2');
  });

  test('an unterminated string is reported without its content', () => {
    const f = one("SELECT 'hunter2");
    expect(f.kind).toBe('unknown');
    expect(f.unknownReason).toMatch(/unterminated quoted string/);
    expect(`${f.unknownReason} ${f.normalized}`).not.toContain('hunter2');
  });

  test('a syntax error anywhere makes the whole string one unknown statement (nothing runs)', () => {
    const s = analyser.analyse('SELECT 1; DROP TABLE t; SELEC 2').statements;
    expect(s).toHaveLength(1);
    expect(s[0]?.kind).toBe('unknown');
  });

  test('several statements are split, each with its own text for fingerprint and normalisation', () => {
    const sql = "SELECT a FROM t WHERE b = 'x' ; /* c */ UPDATE t SET a = 2 WHERE id = 3 -- tail";
    const s = analyser.analyse(sql).statements;
    expect(s.map((f) => f.kind)).toEqual(['read', 'write']);
    expect(s[0]?.normalized).toBe('SELECT a FROM t WHERE b = $1');
    expect(s[1]?.normalized).toBe('UPDATE t SET a = $1 WHERE id = $2 -- tail');
    expect(s[0]?.fingerprint).toBe(libpg.fingerprintSync("SELECT a FROM t WHERE b = 'x'"));
    expect(s[1]?.fingerprint).toBe(libpg.fingerprintSync('UPDATE t SET a = 2 WHERE id = 3'));
  });

  test('positions are bytes: statements after non-ASCII text are cut and normalised correctly', () => {
    const s = analyser.analyse("SELECT 'é' AS ü ; SELECT 'ß', 2 FROM \"Straße\"").statements;
    expect(s.map((f) => f.normalized)).toEqual(['SELECT $1 AS ü', 'SELECT $1, $2 FROM "Straße"']);
    expect(s[1]?.tablesRead).toEqual([{ schema: null, name: 'Straße' }]);
  });

  test('the fingerprint ignores literals, case and spacing but not shape', () => {
    const a = one('SELECT * FROM t WHERE id = 1').fingerprint;
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(one('select  *  from T where ID = 42').fingerprint).toBe(a);
    expect(one('SELECT * FROM t WHERE id = 1 AND x = 2').fingerprint).not.toBe(a);
    expect(one('SELECT * FROM u WHERE id = 1').fingerprint).not.toBe(a);
  });

  describe('normalised text keeps no literal', () => {
    const normalizeSpy = jest.spyOn(libpg, 'normalizeSync');
    afterAll(() => normalizeSpy.mockRestore());

    test.each([
      ["ALTER ROLE bob PASSWORD 'hunter2'", 'ALTER ROLE bob PASSWORD $1'],
      [
        "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'x', password 'hunter2')",
        'CREATE USER MAPPING FOR u SERVER s OPTIONS (user $1, password $2)',
      ],
      [
        "CREATE SUBSCRIPTION s CONNECTION 'host=h password=hunter2' PUBLICATION p",
        'CREATE SUBSCRIPTION s CONNECTION $1 PUBLICATION p',
      ],
      ["COPY t FROM '/home/hunter2.csv'", 'COPY t FROM $1'],
      [
        "PREPARE q AS SELECT * FROM t WHERE a = $1 AND b = 'hunter2'",
        'PREPARE q AS SELECT * FROM t WHERE a = $1 AND b = $2',
      ],
      ["EXECUTE q('hunter2', 42)", 'EXECUTE q($1, $2)'],
      ["DO $$ BEGIN RAISE NOTICE 'hunter2'; END $$", 'DO $1'],
      [
        "SELECT E'hun\\'ter2', $tag$hunter2$tag$, B'1010', X'ff', 1.5e3, .5, 0x1F",
        'SELECT $1, $2, $3, $4, $5, $6, $7',
      ],
      ["SELECT U&'hunter\\0032' UESCAPE '\\', N'hunter2'", 'SELECT $1 UESCAPE $2, $3'],
      ['SELECT -7, - 8, 1_000', 'SELECT -$1, - $2, $3'],
      ["SELECT 'a'\n'b'", 'SELECT $1\n$2'],
      [
        "CREATE TABLE t (a varchar(255) DEFAULT 'hunter2', b numeric(10, 2))",
        'CREATE TABLE t (a varchar(255) DEFAULT $1, b numeric(10, 2))',
      ],
      [
        "SELECT * FROM \"it's\" WHERE x = 'hunter2' /* it's a comment */",
        'SELECT * FROM "it\'s" WHERE x = $1 /* it\'s a comment */',
      ],
      ["SELECT a$1, $1 FROM t WHERE b = 'x'", 'SELECT a$1, $1 FROM t WHERE b = $2'],
      ["SET search_path = 'app', public", 'SET search_path = $1, public'],
      ["SELECT interval '1 day', date '2020-01-01'", 'SELECT interval $1, date $2'],
    ])('%s', (sql, normalized) => {
      expect(one(sql).normalized).toBe(normalized);
      // Gatehouse's own lexer agreed with the parser: libpg-query's fallback was not needed.
      expect(normalizeSpy).not.toHaveBeenCalled();
    });
  });

  describe('cache', () => {
    test('a repeated text is answered from the cache with the same frozen result', () => {
      const a = analyser.analyse('SELECT * FROM cached WHERE id = 7');
      const b = analyser.analyse('SELECT * FROM cached WHERE id = 7');
      expect(b).toBe(a);
      expect(Object.isFrozen(a)).toBe(true);
      expect(Object.isFrozen(a.statements)).toBe(true);
      const f = a.statements[0] as StatementFacts;
      expect(Object.isFrozen(f) && Object.isFrozen(f.tablesRead) && Object.isFrozen(f.tablesRead[0])).toBe(
        true,
      );
      expect(Object.isFrozen(f.columns[0])).toBe(true);
    });

    test('the key is the exact text: texts that normalise the same are judged apart', () => {
      const tautology = analyser.analyse('DELETE FROM t WHERE 1=1').statements[0];
      const contradiction = analyser.analyse('DELETE FROM t WHERE 1=2').statements[0];
      expect(tautology?.normalized).toBe(contradiction?.normalized);
      expect(tautology?.guardrails.map((g) => g.id)).toEqual(['delete-without-where', 'tautological-where']);
      expect(contradiction?.guardrails).toEqual([]);
    });

    test('is bounded (least recently used goes first)', async () => {
      const small = await createPostgresAnalyser({ cacheSize: 2 });
      const a = small.analyse('SELECT 1');
      small.analyse('SELECT 2');
      expect(small.analyse('SELECT 1')).toBe(a);
      small.analyse('SELECT 3'); // evicts SELECT 2, the least recently used
      expect(small.analyse('SELECT 1')).toBe(a);
      const b = small.analyse('SELECT 2');
      expect(small.analyse('SELECT 2')).toBe(b);
      // Statements of one shape share an analysis; distinct shapes are still answered past the bound.
      expect(small.analyse('SELECT 3 FROM c')).not.toBe(small.analyse('SELECT 1 FROM d'));
    });

    test('long texts are analysed every time, not kept', async () => {
      const small = await createPostgresAnalyser({ maxCachedLength: 20 });
      const sql = 'SELECT a, b, c, d, e, f FROM t';
      expect(small.analyse(sql)).not.toBe(small.analyse(sql));
      expect(small.analyse(sql)).toEqual(small.analyse(sql));
    });
  });

  describe('SQL-level PREPARE / EXECUTE / DEALLOCATE', () => {
    test('PREPARE names the statement and carries its facts', () => {
      const f = one('PREPARE del (int) AS DELETE FROM t WHERE id = $1');
      expect(f).toMatchObject({
        kind: 'write',
        command: 'PREPARE',
        prepares: 'del',
        tablesWritten: [{ schema: null, name: 't' }],
      });
    });

    test('EXECUTE without the session is unknown; with it, it is judged as the prepared statement', () => {
      const prepared = one('PREPARE wipe AS DELETE FROM t');
      const alone = one('EXECUTE wipe');
      expect(alone).toMatchObject({ kind: 'unknown', executes: 'wipe' });
      const lookup = (name: string): StatementFacts | undefined => (name === 'wipe' ? prepared : undefined);
      const judged = analyser.analyse('EXECUTE wipe', { prepared: lookup }).statements[0];
      expect(judged).toMatchObject({
        kind: 'write',
        command: 'EXECUTE',
        executes: 'wipe',
        tablesWritten: [{ schema: null, name: 't' }],
      });
      expect(judged?.guardrails.map((g) => g.id)).toEqual(['delete-without-where']);
      // The session-specific answer is not cached for other sessions.
      expect(one('EXECUTE wipe').kind).toBe('unknown');
      expect(analyser.analyse('EXECUTE other', { prepared: lookup }).statements[0]?.kind).toBe('unknown');
    });

    test("EXECUTE's own parameters and EXPLAIN ANALYZE around it count too", () => {
      const prepared = one('PREPARE sel (text) AS SELECT * FROM t WHERE a = $1');
      const lookup = (): StatementFacts => prepared;
      const withParam = analyser.analyse("EXECUTE sel(pg_read_file('/etc/passwd'))", { prepared: lookup })
        .statements[0];
      expect(withParam).toMatchObject({ kind: 'admin' });
      expect(withParam?.guardrails.map((g) => g.id)).toEqual(['file-or-program-access']);
      const wipe = one('PREPARE w AS DELETE FROM t WHERE id = 1');
      const explained = analyser.analyse('EXPLAIN ANALYZE EXECUTE w', { prepared: () => wipe }).statements[0];
      expect(explained).toMatchObject({ kind: 'write', executes: 'w' });
      expect(explained?.guardrails.map((g) => g.id)).toEqual(['explain-analyze-write']);
    });

    test('DEALLOCATE and DISCARD ALL tell the session what to forget', () => {
      expect(one('DEALLOCATE wipe').deallocates).toBe('wipe');
      expect(one('DEALLOCATE PREPARE ALL').deallocates).toBe('*');
      expect(one('DISCARD ALL').deallocates).toBe('*');
      expect(one('DISCARD PLANS').deallocates).toBeUndefined();
    });
  });

  test('functions are listed lower-case as folded, schema-qualified when written', () => {
    const f = one('SELECT Upper(a), pg_catalog.NOW(), EXTRACT(year FROM b), "MyFunc"(1), public.f2() FROM t');
    expect([...f.functions].sort()).toEqual(['MyFunc', 'extract', 'pg_catalog.now', 'public.f2', 'upper']);
  });

  test('deeply nested input is judged or refused, never thrown', () => {
    const deep = `SELECT ${'('.repeat(3000)}1${')'.repeat(3000)}`;
    const f = analyser.analyse(deep).statements;
    expect(f).toHaveLength(1);
    expect(['read', 'unknown']).toContain(f[0]?.kind);
  });

  test('any input gives an analysis with known kinds and never throws', () => {
    const kinds = new Set<string>(Object.values(StatementKind));
    const token = fc.constantFrom(
      'SELECT',
      ' ',
      "'",
      '"',
      '$$',
      '$a$',
      ';',
      '--',
      '/*',
      '*/',
      'DROP',
      'TABLE',
      't',
      '(',
      ')',
      '1',
      'E',
      '\\',
      '\n',
      'é',
      'WITH',
      'x',
      'AS',
      'DO',
    );
    const sqlish = fc.array(token, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), sqlish), (sql) => {
        const a = analyser.analyse(sql);
        for (const s of a.statements) {
          expect(kinds.has(s.kind)).toBe(true);
          if (s.kind === 'unknown') expect(typeof s.unknownReason).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});
