import { BufferReader } from './buffer-reader';
import { ProtocolError } from './protocol-error';

describe('BufferReader', () => {
  it('reads integers, strings and views', () => {
    const buf = Buffer.from([0xff, 0xff, 0xfe, 0, 0, 0, 7, 0x68, 0x69, 0, 1, 2, 3]);
    const r = new BufferReader(buf);
    expect(r.int8()).toBe(-1);
    expect(r.uint16()).toBe(0xfffe);
    expect(r.int32()).toBe(7);
    expect(r.cstring()).toBe('hi');
    const view = r.bytes(2);
    expect(view.buffer).toBe(buf.buffer);
    expect([...view]).toEqual([1, 2]);
    expect(r.remaining).toBe(1);
    expect(() => r.int16()).toThrow(ProtocolError);
    expect(() => r.bytes(2)).toThrow(ProtocolError);
    expect(() => r.expectEnd('x')).toThrow(ProtocolError);
    r.uint8();
    r.expectEnd('x');
  });

  it('throws ProtocolError for unterminated and over-long strings', () => {
    expect(() => new BufferReader(Buffer.from('abc')).cstring()).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.from('abc\0'), 0, 3).cstring()).toThrow(ProtocolError);
    expect(() => new BufferReader(Buffer.from('abcd\0')).boundedCstring(3, 'name')).toThrow(/longer than 3/);
    expect(new BufferReader(Buffer.from('abc\0')).boundedCstring(3, 'name')).toBe('abc');
  });
});
