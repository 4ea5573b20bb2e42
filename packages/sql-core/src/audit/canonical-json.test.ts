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
