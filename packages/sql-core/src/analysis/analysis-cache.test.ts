import fc from 'fast-check';
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

  test('behaves like a naive LRU list under any sequence of operations', () => {
    const op = fc.oneof(
      fc.record({ get: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ set: fc.integer({ min: 0, max: 6 }), value: fc.integer() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const cache = new AnalysisCache<number>(max);
        let model: [string, number][] = []; // most recent last
        for (const o of ops) {
          if ('get' in o) {
            const key = String(o.get);
            const i = model.findIndex(([k]) => k === key);
            const want = i < 0 ? undefined : model[i]?.[1];
            if (i >= 0) model = [...model.slice(0, i), ...model.slice(i + 1), model[i] as [string, number]];
            expect(cache.get(key)).toBe(want);
          } else {
            const key = String(o.set);
            model = [...model.filter(([k]) => k !== key), [key, o.value]];
            if (model.length > max) model = model.slice(model.length - max);
            cache.set(key, o.value);
          }
          expect(cache.size).toBe(model.length);
        }
      }),
    );
  });
});
