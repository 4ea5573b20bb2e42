import { maskText, mayHaveSpans } from './text-scanner';

/** Values every detector finds, to be embedded in generated text. */
const FINDINGS = [
  'jane.doe@example.com',
  '536-22-8845',
  '4111 1111 1111 1111',
  'DE89370400440532013000',
  '+1 (415) 555-2671',
  '203.0.113.77',
  '2001:db8::8a2e:370:7334',
  '00:1A:2B:3C:4D:5E',
  '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',
  'postgres://app:s3cretpass@db.internal:5432/app',
  'password=hunter2hunter2',
  '$2b$12$Jx6mQjOk3g6Nhd9mRvZrQeC7mGvB2cS0q0gVfEwzYV9xQ1uWb6t2K',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
];
const ALPHABET = [
  'a',
  'z',
  'Q',
  '0',
  '7',
  ' ',
  '@',
  '.',
  '-',
  ':',
  '=',
  '$',
  '{',
  '_',
  '/',
  'é',
  '€',
  '\u00a0',
  '𝄞',
  '\n',
];

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mayHaveSpans: the byte check that lets the engine skip decoding a cell', () => {
  it('never says no where a scan of the text would change something', () => {
    const next = random(20240501);
    let skipped = 0;
    let changed = 0;
    for (let n = 0; n < 20000; n++) {
      let text = '';
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
      if (next() < 0.3) {
        const at = Math.floor(next() * (text.length + 1));
        const finding = FINDINGS[Math.floor(next() * FINDINGS.length)] as string;
        text = text.slice(0, at) + (next() < 0.5 ? ' ' : '') + finding + ' ' + text.slice(at);
      }
      const bytes = Buffer.from(text, 'utf8');
      const may = mayHaveSpans(bytes, 0, bytes.length);
      const masked = maskText(text) !== text;
      if (masked) changed++;
      if (!may) skipped++;
      if (masked) expect([text, may]).toEqual([text, true]);
    }
    // The check is worth having (many cells skip) and the corpus exercises the masks.
    expect(skipped).toBeGreaterThan(1500);
    expect(changed).toBeGreaterThan(3000);
  });

  it('reads only its range of a larger buffer', () => {
    const buf = Buffer.from('xx jane.doe@example.com yy plain words here', 'utf8');
    expect(mayHaveSpans(buf, 3, 23)).toBe(true);
    expect(mayHaveSpans(buf, 27, buf.length)).toBe(false);
    expect(mayHaveSpans(buf, 3, 7)).toBe(false);
  });
});
