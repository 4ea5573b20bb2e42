import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('puts the envelope keys first, then the rest sorted, at every depth', () => {
    const text = canonicalJson({
      z: 1,
      time: 't',
      a: { y: 2, b: [{ d: 1, c: 2 }] },
      type: 'x',
      prev: 'p',
      seq: 3,
    });
    expect(text).toBe('{"seq":3,"prev":"p","type":"x","time":"t","a":{"b":[{"c":2,"d":1}],"y":2},"z":1}');
  });

  it('leaves out undefined members and writes no whitespace', () => {
    expect(canonicalJson({ b: undefined, a: [1, 'two', null, true] })).toBe('{"a":[1,"two",null,true]}');
  });

  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['bigint', { n: BigInt(1) }],
    ['Date', { d: new Date(0) }],
    ['Map', { m: new Map() }],
    ['function', { f: () => 1 }],
  ])('rejects %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('is a fixed point of parse + serialise for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });
});

/** The same value with every object's keys inserted in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) {
    // defineProperty: an assignment to `__proto__` would set the prototype instead of a member.
    Object.defineProperty(out, key, {
      value: reversed((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

describe('canonicalJson of values already in canonical order', () => {
  it('writes the same text whatever order the keys were inserted in (native fast path or rebuild)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        const inOrder: unknown = JSON.parse(canonical);
        expect(canonicalJson(inOrder)).toBe(canonical);
        expect(canonicalJson(reversed(inOrder))).toBe(canonical);
        expect(canonicalJson({ time: 't', type: 'x', body: reversed(inOrder) })).toBe(
          canonicalJson({ type: 'x', time: 't', body: inOrder }),
        );
      }),
    );
  });

  it('still refuses what is not plain data when the keys are in order', () => {
    expect(() => canonicalJson({ a: 1, b: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(canonicalJson({ type: 'x', time: 't', a: undefined, b: [undefined, 1] })).toBe(
      '{"type":"x","time":"t","b":[null,1]}',
    );
  });
});

describe('canonicalJson with keys object literals would reorder', () => {
  it('still sorts index-like keys by code unit, and keeps __proto__ as data', () => {
    expect(canonicalJson({ b: 1, '10': 2, '9': 3 })).toBe('{"10":2,"9":3,"b":1}');
    const parsed: unknown = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":2}');
  });
});

describe('canonicalJson with values seen before', () => {
  it('trusts a deeply frozen value it found canonical, and nothing that can still change', () => {
    const frozen = Object.freeze({ a: Object.freeze(['x', 'y']), b: 1 });
    expect(canonicalJson({ type: 't', time: 'n', s: frozen })).toBe(
      '{"type":"t","time":"n","s":{"a":["x","y"],"b":1}}',
    );
    // Reused inside another record: same text.
    expect(canonicalJson({ type: 't', time: 'n', z: [frozen] })).toBe(
      '{"type":"t","time":"n","z":[{"a":["x","y"],"b":1}]}',
    );

    // Frozen outside, mutable inside: checked again every time, so a change inside is still put in order.
    const inner: Record<string, unknown> = { a: 1 };
    const shallow = Object.freeze({ inner });
    expect(canonicalJson(shallow)).toBe('{"inner":{"a":1}}');
    delete inner.a;
    inner.c = 3;
    inner.b = 2;
    expect(canonicalJson(shallow)).toBe('{"inner":{"b":2,"c":3}}');

    // The depth limit holds for a trusted value reused deeper than it was first seen.
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20; i++) deep = Object.freeze([deep]);
    expect(canonicalJson({ type: 't', time: 'n', d: deep })).toContain('leaf');
    let deeper: unknown = deep;
    for (let i = 0; i < 20; i++) deeper = [deeper];
    expect(() => canonicalJson({ type: 't', time: 'n', d: deeper })).toThrow(TypeError);

    // Not frozen: a value once canonical is checked again after it changed.
    const open: Record<string, unknown> = { a: 1 };
    expect(canonicalJson(open)).toBe('{"a":1}');
    delete open.a;
    open.c = 3;
    open.b = Number.NaN;
    expect(() => canonicalJson(open)).toThrow(TypeError);
  });
});
