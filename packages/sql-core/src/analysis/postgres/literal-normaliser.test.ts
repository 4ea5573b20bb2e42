import { normaliseLiterals } from './literal-normaliser';

const none = new Set<number>();

describe('normaliseLiterals', () => {
  test.each([
    ["SELECT 'a', 'it''s'", 'SELECT $1, $2'],
    ["SELECT E'a\\'b', e'\\\\'", 'SELECT $1, $2'],
    ["SELECT 'a\\', 'b'", 'SELECT $1, $2'],
    ["SELECT B'101', X'ff', N'n', U&'u'", 'SELECT $1, $2, $3, $4'],
    ['SELECT $$a$$, $t$ $$ $t$, $1', 'SELECT $2, $3, $1'],
    [
      'SELECT 1, 1.5, .5, 1e10, 1.5E-3, 0x1f, 0o17, 0b101, 1_000',
      'SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9',
    ],
    ['SELECT a1, "b2", x$1, t.c3 FROM t3', 'SELECT a1, "b2", x$1, t.c3 FROM t3'],
    [
      "SELECT \"it's\" -- it's\n, 2 /* it's /* nested */ 'x' */",
      "SELECT \"it's\" -- it's\n, $1 /* it's /* nested */ 'x' */",
    ],
    ["SELECT U&\"a'\", 'x'", 'SELECT U&"a\'", $1'],
    ["SELECT 'unterminated", 'SELECT $1'],
  ])('%s', (sql, out) => {
    expect(normaliseLiterals(sql, null, none)).toBe(out);
  });

  test('numbers at kept positions stay (type modifiers)', () => {
    const sql = 'SELECT 5::varchar(3)';
    expect(normaliseLiterals(sql, null, new Set([sql.indexOf('3')]))).toBe('SELECT $1::varchar(3)');
  });

  test('agrees with the parser or returns null', () => {
    const sql = "SELECT 'a', -1, - 2, x FROM t";
    expect(normaliseLiterals(sql, [7, 12, 16, 23], none)).toBe('SELECT $1, -$2, - $3, x FROM t');
    // A constant position inside a token the lexer did not see start there: disagreement.
    expect(normaliseLiterals(sql, [8], none)).toBeNull();
    expect(normaliseLiterals(sql, [999], none)).toBeNull();
  });
});
