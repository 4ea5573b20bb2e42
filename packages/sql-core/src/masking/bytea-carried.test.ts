import { maskCarriedBytea, mayCarryByteaSpans } from './bytea-carried';

const NOTE = 'mail jane.doe@example.com';
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');
const scan = { defaultCountry: 'US' as const, exclude: [] };

describe('maskCarriedBytea', () => {
  it('rewrites text-held hex runs at any quoting depth, keeping the container', () => {
    const masked = hex('mail j***@example.com');
    expect(maskCarriedBytea(`{"\\\\x${hex(NOTE)}"}`, scan)).toBe(`{"\\\\x${masked}"}`);
    expect(maskCarriedBytea(`{"(1,\\"\\\\\\\\x${hex(NOTE)}\\")"}`, scan)).toBe(
      `{"(1,\\"\\\\\\\\x${masked}\\")"}`,
    );
    expect(maskCarriedBytea(`{"a": "\\\\x${hex(NOTE)}", "b": "${NOTE}"}`, scan, false)).toBe(
      `{"a": "\\\\x${masked}", "b": "${NOTE}"}`,
    );
  });

  it('scans the rest as text, leaves random binary and odd runs as they are', () => {
    const binary = `{"\\\\x89504e470d0a1a0a"}`;
    expect(maskCarriedBytea(binary, scan)).toBe(binary);
    expect(maskCarriedBytea(`(${NOTE},\\xabc)`, scan)).toBe('(mail j***@example.com,\\xabc)');
  });

  it('says whether bytes carry a run a scan may change', () => {
    const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
    const yes = bytes(`{"\\\\x${hex(NOTE)}"}`);
    const no = bytes(`{"\\\\x${hex('gift wrap')}","\\\\x89504e47"}`);
    expect(mayCarryByteaSpans(yes, 0, yes.length, scan)).toBe(true);
    expect(mayCarryByteaSpans(no, 0, no.length, scan)).toBe(false);
  });
});
