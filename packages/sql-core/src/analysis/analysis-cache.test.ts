import { AnalysisCache } from './analysis-cache';

describe('AnalysisCache', () => {
  test('keeps at most maxEntries, dropping the least recently used', () => {
    const c = new AnalysisCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
  });

  test('a size of zero keeps nothing', () => {
    const c = new AnalysisCache<number>(0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  test('keys are exact strings', () => {
    const c = new AnalysisCache<string>(10);
    c.set('SELECT 1', 'one');
    expect(c.get('select 1')).toBeUndefined();
    expect(c.get('SELECT 1 ')).toBeUndefined();
    c.clear();
    expect(c.get('SELECT 1')).toBeUndefined();
  });
});
