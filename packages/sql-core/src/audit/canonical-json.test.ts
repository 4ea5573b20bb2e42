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

describe('canonicalJson with keys object literals would reorder', () => {
  it('still sorts index-like keys by code unit, and keeps __proto__ as data', () => {
    expect(canonicalJson({ b: 1, '10': 2, '9': 3 })).toBe('{"10":2,"9":3,"b":1}');
    const parsed: unknown = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":2}');
  });
});
