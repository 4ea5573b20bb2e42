import { createHash } from 'node:crypto';
import { decodeByteaText, encodeByteaText, isUtf8Text } from './bytea-text';
import { createColumnMasker } from './column-masker';
import { createMaskPlan, planColumnMask } from './mask-plan';

const hex = (bytes: Buffer): string => `\\x${bytes.toString('hex')}`;
/** PostgreSQL's escape output, written out by hand (printable ASCII as itself, `\\`, `\ooo`). */
const ESCAPED = 'caf\\303\\251 \\\\ jane.doe@example.com\\012';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const SHA256 = createHash('sha256').update('jane.doe@example.com').digest();

describe('bytea text: hex and escape formats', () => {
  const decode = (text: string, textOnly = false) => {
    const src = Buffer.from(text, 'latin1');
    const d = decodeByteaText(src, 0, src.length, textOnly);
    return d === null ? null : { bytes: Buffer.from(d.bytes.subarray(0, d.length)), format: d.format };
  };

  it('decodes and encodes both formats, byte for byte', () => {
    expect(decode('\\x48656C6c6f')).toEqual({ bytes: Buffer.from('Hello'), format: 'hex' });
    expect(decode('\\x')).toEqual({ bytes: Buffer.alloc(0), format: 'hex' });
    expect(decode(ESCAPED)).toEqual({
      bytes: Buffer.from('café \\ jane.doe@example.com\n', 'utf8'),
      format: 'escape',
    });
    for (const bytes of [PNG, SHA256, Buffer.from('café \\ x\n\x00\x7f', 'utf8')]) {
      for (const format of ['hex', 'escape'] as const) {
        const text = encodeByteaText(bytes, format);
        expect(decode(text)?.bytes).toEqual(bytes);
        expect(decode(text)?.format).toBe(format);
      }
    }
    expect(encodeByteaText(Buffer.from('café \\ jane.doe@example.com\n', 'utf8'), 'escape')).toBe(ESCAPED);
  });

  it('refuses what is not a bytea literal', () => {
    for (const bad of ['\\x4', '\\x4g', 'a\\9', 'a\\01', 'ab\\']) expect(decode(bad)).toBeNull();
  });

  it('tells text from binary: well-formed UTF-8 without control characters', () => {
    expect(isUtf8Text(Buffer.from('plain text\twith tabs\r\n and ünïcödé ✓ 𝄞', 'utf8'))).toBe(true);
    expect(isUtf8Text(PNG)).toBe(false);
    expect(isUtf8Text(SHA256)).toBe(false);
    expect(isUtf8Text(Buffer.from('nul\x00inside'))).toBe(false);
    for (const bad of ['c0af', 'e080af', 'eda080', 'f4908080', 'c3', 'e282', 'ff', '80']) {
      expect([bad, isUtf8Text(Buffer.from(bad, 'hex'))]).toEqual([bad, false]);
    }
    // Binary stops the check early: the decoder gives up at the first byte that cannot be text.
    expect(decode(hex(PNG), true)).toBeNull();
    expect(decode(hex(Buffer.from('ok text')), true)?.bytes).toEqual(Buffer.from('ok text'));
  });
});

describe('bytea columns are scanned (their bytes as text) and masked by name', () => {
  const plan = createMaskPlan();
  const column = (name: string) =>
    planColumnMask(plan, { table: 'files', column: name, type: 'bytea', lineage: 'direct' });
  const note = Buffer.from('call jane.doe@example.com, ssn 536-22-8845', 'utf8');
  const masked = 'call j***@example.com, ssn ***-**-8845';

  it('masks the spans of a text stored as bytes, in hex and escape format, keeping the format', () => {
    const d = column('attachment');
    expect(d?.kind).toBe('scan');
    const m = d?.masker as NonNullable<typeof d>['masker'];
    expect(m(hex(note))).toBe(hex(Buffer.from(masked)));
    expect(m(encodeByteaText(note, 'escape'))).toBe(encodeByteaText(Buffer.from(masked), 'escape'));
    expect(m(encodeByteaText(Buffer.from('café jane.doe@example.com'), 'escape'))).toBe(
      'caf\\303\\251 j***@example.com',
    );
    // The raw (binary format) mask gives the same bytes.
    expect(Buffer.from(m.raw?.(note) ?? [])).toEqual(Buffer.from(masked));
  });

  it('leaves binary values and text with nothing to mask untouched (the same string)', () => {
    const m = column('attachment')?.masker as NonNullable<ReturnType<typeof column>>['masker'];
    const emailDigest = createHash('sha256').update('x').digest();
    for (const bytes of [PNG, SHA256, emailDigest, Buffer.from('gift wrap, thanks'), Buffer.alloc(0)]) {
      const text = hex(bytes);
      expect(m(text)).toBe(text);
      expect(m.raw?.(bytes)).toBeUndefined();
      const src = Buffer.from(text, 'latin1');
      expect(m.mayChange?.(src, 0, src.length)).toBe(false);
    }
    // A digest whose hex spells nothing: never decoded as the text it is not.
    const inText = Buffer.from(`x ${hex(SHA256)} y`, 'latin1');
    expect(m.mayChange?.(inText, 2, inText.length - 2)).toBe(false);
    const src = Buffer.from(hex(note), 'latin1');
    expect(m.mayChange?.(src, 0, src.length)).toBe(true);
  });

  it('hides a bytea column whose name says it holds a secret, whatever it holds', () => {
    const d = column('private_key');
    expect(d?.kind).toBe('private_key');
    expect(d?.masker(hex(Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----')))).toBe(
      '\\x',
    );
    expect(d?.masker(hex(PNG))).toBe('\\x');
  });

  it('scans a text value that is a bytea cast to text (its \\x hex) as the bytea', () => {
    const m = createColumnMasker('scan', { type: 'text', column: 't' });
    expect(m(hex(note))).toBe(hex(Buffer.from(masked)));
    const src = Buffer.from(hex(note), 'latin1');
    expect(m.mayChange?.(src, 0, src.length)).toBe(true);
    expect(m(hex(SHA256))).toBe(hex(SHA256));
    // Not hex after all: scanned as the text it is.
    expect(m('\\xyz jane.doe@example.com')).toBe('\\xyz j***@example.com');
  });

  it('MySQL binary strings are their bytes: scanned when they read as text', () => {
    const m = createColumnMasker('scan', { type: 'bytea' }, { dialect: 'mysql' });
    expect(m('mail jane.doe@example.com')).toBe('mail j***@example.com');
    const binary = PNG.toString('latin1');
    expect(m(binary)).toBe(binary);
  });
});
