import { mapPgArray } from './pg-array';

const upper = (s: string): string => s.toUpperCase();

describe('mapPgArray', () => {
  it('maps elements, keeps NULL and structure, re-quotes when needed', () => {
    expect(mapPgArray('{a,b,NULL}', upper)).toBe('{A,B,NULL}');
    expect(mapPgArray('{"a b","c,d","e\\"f",null}', upper)).toBe('{"A B","C,D","E\\"F",null}');
    expect(mapPgArray('{{a,b},{c,d}}', upper)).toBe('{{A,B},{C,D}}');
    expect(mapPgArray('[0:1]={a,b}', upper)).toBe('[0:1]={A,B}');
    expect(mapPgArray('{}', upper)).toBe('{}');
    expect(mapPgArray('{x}', () => 'NULL')).toBe('{"NULL"}');
    expect(mapPgArray('{x}', () => '')).toBe('{""}');
  });

  it('returns the same string when nothing changed', () => {
    const text = '{"A B",C}';
    expect(mapPgArray(text, (s) => s)).toBe(text);
  });

  it('returns null for text that is not an array literal', () => {
    for (const bad of ['abc', '{a,b', '{"a}', '{a,,b}', '[1:2]{a}', '{a} x'])
      expect([bad, mapPgArray(bad, upper)]).toEqual([bad, null]);
  });
});
