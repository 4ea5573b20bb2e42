import * as codec from '../../src/codec';
import { ProtocolError } from '../../src/codec';
import { cstr, i16, i32, raw, typed, untyped } from './naive-encoder';

const payload = (message: Buffer, startup = false): Buffer => message.subarray(startup ? 4 : 5);

describe('MessageReader length checks', () => {
  it.each([0, 1, 2, 3, -1, -2147483648])('rejects typed length %i below the minimum', (length) => {
    const reader = new codec.MessageReader({ maxMessageSize: 1 << 20 });
    reader.push(Buffer.from([0x51, ...i32(length >>> 0)]));
    expect(() => reader.next()).toThrow(ProtocolError);
    expect(() => reader.next()).toThrow(`invalid length ${length} for message type 'Q' (0x51)`);
  });

  it.each([0, 4, 7, -1])('rejects startup length %i below 8', (length) => {
    const reader = new codec.MessageReader({ maxMessageSize: 1 << 20, startup: true });
    reader.push(Buffer.from(i32(length >>> 0)));
    expect(() => reader.next()).toThrow(`invalid startup packet length ${length}`);
  });

  it('accepts exactly maxMessageSize and rejects one more, before the body arrives', () => {
    const reader = new codec.MessageReader({ maxMessageSize: 100 });
    reader.push(Buffer.from([0x64, ...i32(100)]));
    expect(reader.next()).toBe(false);
    reader.push(Buffer.alloc(96));
    expect(reader.next()).toBe(true);
    expect(reader.payload().length).toBe(96);

    const over = new codec.MessageReader({ maxMessageSize: 100 });
    // Only the header has arrived: the oversized length is refused now.
    over.push(Buffer.from([0x64, ...i32(101)]));
    expect(() => over.next()).toThrow("invalid length 101 for message type 'd' (0x64)");
  });

  it('checks a header that itself straddles chunks', () => {
    const reader = new codec.MessageReader({ maxMessageSize: 100 });
    reader.push(Buffer.from([0x44, 0, 0]));
    expect(reader.next()).toBe(false);
    reader.push(Buffer.from([0x10, 0x00]));
    expect(() => reader.next()).toThrow(/invalid length 4096 for message type 'D'/);
  });

  it('names unprintable type bytes in hex', () => {
    const reader = new codec.MessageReader({ maxMessageSize: 100 });
    reader.push(Buffer.from([0x01, 0, 0, 0, 1]));
    expect(() => reader.next()).toThrow('invalid length 1 for message type 0x01 (must be 4..100)');
  });

  it('caps startup packets at 10000 bytes like the server', () => {
    const reader = new codec.MessageReader({ maxMessageSize: 1 << 20, startup: true });
    reader.push(Buffer.from(i32(10001)));
    expect(() => reader.next()).toThrow(ProtocolError);
    const ok = new codec.MessageReader({ maxMessageSize: 1 << 20, startup: true });
    ok.push(Buffer.from(i32(10000)));
    expect(ok.next()).toBe(false);
  });

  it('rejects a nonsensical maxMessageSize at construction', () => {
    expect(() => new codec.MessageReader({ maxMessageSize: 3 })).toThrow(RangeError);
    expect(() => new codec.MessageReader({ maxMessageSize: 1.5 })).toThrow(RangeError);
  });
});

describe('decodeStartupPacket', () => {
  const startup = (...parts: number[][]): Buffer => payload(untyped(i16(3), i16(0), ...parts), true);

  it('accepts protocol 3.x minors and reports them', () => {
    const p = payload(untyped(i16(3), i16(2), cstr('user'), cstr('a'), [0]), true);
    expect(codec.decodeStartupPacket(p)).toMatchObject({ type: 'startup', majorVersion: 3, minorVersion: 2 });
  });

  it.each([
    ['protocol 2.0', payload(untyped(i16(2), i16(0), [0]), true)],
    ['an unknown 1234.x request code', payload(untyped(i16(1234), i16(5681)), true)],
    ['a missing parameter terminator', startup(cstr('user'), cstr('a'))],
    ['no terminator at all', startup()],
    ['bytes after the terminator', startup(cstr('user'), cstr('a'), [0], [1])],
    ['a name without value', startup(cstr('user'), [0])],
    ['an unterminated value', startup(cstr('user'), raw(Buffer.from('alice')))],
    ['a duplicate parameter', startup(cstr('user'), cstr('a'), cstr('user'), cstr('b'), [0])],
    ['a name over 256 bytes', startup(cstr('x'.repeat(257)), cstr('v'), [0])],
    ['a value over 8192 bytes', startup(cstr('options'), cstr('v'.repeat(8193)), [0])],
    ['SSLRequest with trailing bytes', payload(untyped(i16(1234), i16(5679), [0]), true)],
    ['GSSENCRequest with trailing bytes', payload(untyped(i16(1234), i16(5680), [0, 0, 0, 0]), true)],
    ['CancelRequest with a 3-byte key', payload(untyped(i16(1234), i16(5678), i32(1), [1, 2, 3]), true)],
    [
      'CancelRequest with a 257-byte key',
      payload(untyped(i16(1234), i16(5678), i32(1), raw(Buffer.alloc(257))), true),
    ],
    ['CancelRequest without process id', payload(untyped(i16(1234), i16(5678), [0, 0]), true)],
    ['an empty payload', Buffer.alloc(0)],
  ])('rejects %s', (_label, bytes) => {
    expect(() => codec.decodeStartupPacket(bytes)).toThrow(ProtocolError);
  });

  it('accepts up to 64 parameters and no more', () => {
    const params = (n: number): number[][] =>
      Array.from({ length: n }, (_, i) => [...cstr(`p${i}`), ...cstr('v')]);
    const ok = codec.decodeStartupPacket(startup(...params(64), [0]));
    expect(ok.type === 'startup' && ok.parameters.size).toBe(64);
    expect(() => codec.decodeStartupPacket(startup(...params(65), [0]))).toThrow(/more than 64/);
  });

  it('accepts names of 256 and values of 8192 bytes', () => {
    const ok = codec.decodeStartupPacket(startup(cstr('n'.repeat(256)), cstr('v'.repeat(8192)), [0]));
    expect(ok.type === 'startup' && ok.parameters.get('n'.repeat(256))).toBe('v'.repeat(8192));
  });

  it('accepts cancel keys of 4 to 256 bytes (protocol 3.2) as views', () => {
    const bytes = payload(untyped(i16(1234), i16(5678), i32(99), raw(Buffer.alloc(256, 1))), true);
    const decoded = codec.decodeStartupPacket(bytes);
    expect(decoded).toEqual({ type: 'cancel-request', processId: 99, secretKey: Buffer.alloc(256, 1) });
    if (decoded.type === 'cancel-request') expect(decoded.secretKey.buffer).toBe(bytes.buffer);
  });
});

describe('frontend decoders reject malformed payloads', () => {
  it.each<[string, (p: Buffer) => unknown, Buffer]>([
    ['Query without NUL', codec.decodeQuery, payload(typed('Q', raw(Buffer.from('select 1'))))],
    ['Query with trailing bytes', codec.decodeQuery, payload(typed('Q', cstr('select 1'), [1]))],
    [
      'Parse with a short type list',
      codec.decodeParse,
      payload(typed('P', cstr(''), cstr('q'), i16(2), i32(23))),
    ],
    ['Parse with a huge type count', codec.decodeParse, payload(typed('P', cstr(''), cstr('q'), i16(65535)))],
    [
      'Bind with length -2',
      codec.decodeBind,
      payload(typed('B', cstr(''), cstr(''), i16(0), i16(1), i32(-2 >>> 0), i16(0))),
    ],
    [
      'Bind with a value past the end',
      codec.decodeBind,
      payload(typed('B', cstr(''), cstr(''), i16(0), i16(1), i32(10), [1], i16(0))),
    ],
    [
      'Bind with 2 formats for 3 values',
      codec.decodeBind,
      payload(
        typed(
          'B',
          cstr(''),
          cstr(''),
          i16(2),
          i16(0),
          i16(0),
          i16(3),
          i32(-1 >>> 0),
          i32(-1 >>> 0),
          i32(-1 >>> 0),
          i16(0),
        ),
      ),
    ],
    [
      'Bind without result formats',
      codec.decodeBind,
      payload(typed('B', cstr(''), cstr(''), i16(0), i16(0))),
    ],
    ['Describe with target X', codec.decodeDescribe, payload(typed('D', [0x58], cstr('')))],
    ['Close with an empty payload', codec.decodeClose, Buffer.alloc(0)],
    ['Execute without maxRows', codec.decodeExecute, payload(typed('E', cstr('')))],
    ['CopyFail unterminated', codec.decodeCopyFail, Buffer.from('oops')],
    [
      'FunctionCall without result format',
      codec.decodeFunctionCall,
      payload(typed('F', i32(1), i16(0), i16(0))),
    ],
    [
      'FunctionCall with 2 formats for 1 arg',
      codec.decodeFunctionCall,
      payload(typed('F', i32(1), i16(2), i16(0), i16(0), i16(1), i32(0), i16(0))),
    ],
    [
      'PasswordMessage with trailing bytes',
      codec.decodePasswordMessage,
      payload(typed('p', cstr('pw'), [0])),
    ],
    [
      'SASLInitialResponse with length -2',
      codec.decodeSaslInitialResponse,
      payload(typed('p', cstr('SCRAM-SHA-256'), i32(-2 >>> 0))),
    ],
    [
      'SASLInitialResponse with a short body',
      codec.decodeSaslInitialResponse,
      payload(typed('p', cstr('SCRAM-SHA-256'), i32(5), [1])),
    ],
  ])('%s', (_label, decode, bytes) => {
    expect(() => decode(bytes)).toThrow(ProtocolError);
  });

  it('returns Bind parameters as views of the payload', () => {
    const bytes = payload(typed('B', cstr(''), cstr(''), i16(0), i16(1), i32(3), [7, 8, 9], i16(0)));
    const bind = codec.decodeBind(bytes);
    expect(bind.parameters[0]?.buffer).toBe(bytes.buffer);
    expect(bind.parameters[0]?.byteOffset).toBe(bytes.byteOffset + 10);
  });

  it('accepts one format code for all values, as the server does', () => {
    const bytes = payload(typed('B', cstr(''), cstr(''), i16(1), i16(1), i16(2), i32(0), i32(0), i16(0)));
    expect(codec.decodeBind(bytes).parameterFormats).toEqual([1]);
  });
});

describe('backend decoders', () => {
  it.each<[string, (p: Buffer) => unknown, Buffer]>([
    ['Authentication without code', codec.decodeAuthentication, Buffer.from([0, 0])],
    ['AuthenticationOk with trailing bytes', codec.decodeAuthentication, payload(typed('R', i32(0), [0]))],
    [
      'AuthenticationMD5Password with a 3-byte salt',
      codec.decodeAuthentication,
      payload(typed('R', i32(5), [1, 2, 3])),
    ],
    ['AuthenticationSASL without mechanisms', codec.decodeAuthentication, payload(typed('R', i32(10), [0]))],
    [
      'AuthenticationSASL unterminated list',
      codec.decodeAuthentication,
      payload(typed('R', i32(10), cstr('SCRAM-SHA-256'))),
    ],
    [
      'AuthenticationSASL with 33 mechanisms',
      codec.decodeAuthentication,
      payload(typed('R', i32(10), ...Array.from({ length: 33 }, (_, i) => cstr(`M${i}`)), [0])),
    ],
    ['ParameterStatus without value', codec.decodeParameterStatus, payload(typed('S', cstr('a')))],
    ['BackendKeyData with a 3-byte key', codec.decodeBackendKeyData, payload(typed('K', i32(1), [1, 2, 3]))],
    [
      'BackendKeyData with a 257-byte key',
      codec.decodeBackendKeyData,
      payload(typed('K', i32(1), raw(Buffer.alloc(257)))),
    ],
    ['ReadyForQuery X', codec.decodeReadyForQuery, Buffer.from('X')],
    ['ReadyForQuery with two bytes', codec.decodeReadyForQuery, Buffer.from('II')],
    ['ReadyForQuery empty', codec.decodeReadyForQuery, Buffer.alloc(0)],
    ['ErrorResponse without terminator', codec.decodeErrorFields, payload(typed('E', [0x53], cstr('ERROR')))],
    ['ErrorResponse with an unterminated field', codec.decodeErrorFields, Buffer.from('SERROR')],
    [
      'ErrorResponse with bytes after the terminator',
      codec.decodeErrorFields,
      Buffer.from([0x4d, 0x61, 0, 0, 0]),
    ],
    ['CommandComplete unterminated', codec.decodeCommandComplete, Buffer.from('SELECT 1')],
    ['RowDescription with a huge count', codec.decodeRowDescription, payload(typed('T', i16(65535)))],
    [
      'RowDescription with a truncated field',
      codec.decodeRowDescription,
      payload(typed('T', i16(1), cstr('id'), i32(0), i16(0), i32(23))),
    ],
    ['DataRow with length -2', codec.decodeDataRow, payload(typed('D', i16(1), i32(-2 >>> 0)))],
    ['DataRow with a value past the end', codec.decodeDataRow, payload(typed('D', i16(1), i32(5), [1, 2]))],
    ['DataRow with trailing bytes', codec.decodeDataRow, payload(typed('D', i16(0), [1]))],
    ['ParameterDescription short', codec.decodeParameterDescription, payload(typed('t', i16(2), i32(23)))],
    [
      'NotificationResponse without payload',
      codec.decodeNotification,
      payload(typed('A', i32(1), cstr('ch'))),
    ],
    ['CopyResponse short', codec.decodeCopyResponse, payload(typed('G', [0], i16(2), i16(0)))],
    [
      'NegotiateProtocolVersion with a negative count',
      codec.decodeNegotiateProtocolVersion,
      payload(typed('v', i32(0), i32(-1 >>> 0))),
    ],
    [
      'NegotiateProtocolVersion with a huge count',
      codec.decodeNegotiateProtocolVersion,
      payload(typed('v', i32(0), i32(1e9))),
    ],
    [
      'FunctionCallResponse with length -2',
      codec.decodeFunctionCallResponse,
      payload(typed('V', i32(-2 >>> 0))),
    ],
  ])('reject %s', (_label, decode, bytes) => {
    expect(() => decode(bytes)).toThrow(ProtocolError);
  });

  it.each([2, 7, 8, 9, 4, 13, -1])('reports authentication code %i as unsupported', (code) => {
    expect(codec.decodeAuthentication(payload(typed('R', i32(code >>> 0), [1, 2])))).toEqual({
      type: 'unsupported',
      code,
    });
  });

  it('skips unknown error field codes and tolerates missing S/C/M', () => {
    const bytes = payload(typed('E', [0x5a], cstr('future field'), [0x4d], cstr('boom'), [0]));
    expect(codec.decodeErrorFields(bytes)).toEqual({ severity: '', code: '', message: 'boom' });
  });

  it('returns DataRow values as views of the payload', () => {
    const bytes = payload(typed('D', i16(2), i32(2), [1, 2], i32(-1 >>> 0)));
    const row = codec.decodeDataRow(bytes);
    expect(row[0]?.buffer).toBe(bytes.buffer);
    expect(row[1]).toBeNull();
  });

  it('decodes unsigned OIDs and signed attribute numbers', () => {
    const bytes = payload(
      typed(
        'T',
        i16(1),
        cstr('x'),
        i32(0xfffffffe),
        i16(-1 >>> 0),
        i32(0x80000000),
        i16(-1 >>> 0),
        i32(-1 >>> 0),
        i16(1),
      ),
    );
    expect(codec.decodeRowDescription(bytes)).toEqual([
      {
        name: 'x',
        tableOid: 0xfffffffe,
        columnAttr: -1,
        typeOid: 0x80000000,
        typeSize: -1,
        typeModifier: -1,
        format: 1,
      },
    ]);
  });
});

describe('encoders refuse what they cannot represent', () => {
  it.each<[string, () => Buffer]>([
    ['Query', () => codec.encodeQuery('select 1\0; drop table x')],
    ['Parse name', () => codec.encodeParse('a\0', 'q')],
    ['Bind portal', () => codec.encodeBind('\0', '')],
    ['startup parameter value', () => codec.encodeStartupMessage({ user: 'a\0b' })],
    ['startup parameter name', () => codec.encodeStartupMessage(new Map([['us\0er', 'a']]))],
    ['PasswordMessage', () => codec.encodePasswordMessage('p\0')],
    [
      'ErrorResponse message',
      () => codec.encodeErrorResponse({ severity: 'ERROR', code: 'XX000', message: 'a\0' }),
    ],
    [
      'ErrorResponse optional field',
      () => codec.encodeErrorResponse({ severity: 'ERROR', code: 'XX000', message: 'a', detail: '\0' }),
    ],
    ['ParameterStatus', () => codec.encodeParameterStatus('a', '\0')],
    ['CommandComplete', () => codec.encodeCommandComplete('\0')],
    [
      'RowDescription',
      () =>
        codec.encodeRowDescription([
          { name: '\0', tableOid: 0, columnAttr: 0, typeOid: 0, typeSize: 0, typeModifier: 0, format: 0 },
        ]),
    ],
    ['NotificationResponse', () => codec.encodeNotificationResponse(1, 'c', '\0')],
    ['CopyFail', () => codec.encodeCopyFail('\0')],
  ])('%s containing NUL -> ProtocolError', (_label, encode) => {
    expect(encode).toThrow(ProtocolError);
    // The shared writer starts clean afterwards.
    expect(codec.encodeSync().equals(Buffer.from([0x53, 0, 0, 0, 4]))).toBe(true);
    expect(codec.encodeCommandComplete('OK').equals(typed('C', cstr('OK')))).toBe(true);
  });

  it('allows NUL inside byte values (DataRow, Bind, CopyData)', () => {
    expect(codec.decodeDataRow(payload(codec.encodeDataRow(['a\0b'])))).toEqual([Buffer.from('a\0b')]);
    expect(codec.encodeCopyData(Buffer.from([0, 0])).length).toBe(7);
  });

  it('writes V = S when severityNonLocalized is missing', () => {
    const bytes = codec.encodeErrorResponse({ severity: 'FATAL', code: '08P01', message: 'bad' });
    expect(
      bytes.equals(
        typed(
          'E',
          [0x53],
          cstr('FATAL'),
          [0x56],
          cstr('FATAL'),
          [0x43],
          cstr('08P01'),
          [0x4d],
          cstr('bad'),
          [0],
        ),
      ),
    ).toBe(true);
  });

  it('returns a fresh buffer every time', () => {
    const a = codec.encodeQuery('select 1');
    const b = codec.encodeQuery('select 2');
    expect(a.toString('utf8', 5, 13)).toBe('select 1');
    expect(b.toString('utf8', 5, 13)).toBe('select 2');
    expect(codec.encodeSync()).not.toBe(codec.encodeSync());
  });

  it('grows past its initial size', () => {
    const sql = 'x'.repeat(100_000);
    expect(codec.decodeQuery(payload(codec.encodeQuery(sql)))).toBe(sql);
  });

  it('answers SSL/GSSENC requests with one byte', () => {
    expect(codec.SSL_ACCEPT.equals(Buffer.from('S'))).toBe(true);
    expect(codec.SSL_REFUSE.equals(Buffer.from('N'))).toBe(true);
  });

  it('accepts a decoded Bind / FunctionCall object as well as positional arguments', () => {
    const bind = codec.decodeBind(payload(codec.encodeBind('p', 's', [1], [Buffer.from([1]), null], [0])));
    expect(
      codec.encodeBind(bind).equals(codec.encodeBind('p', 's', [1], [Buffer.from([1]), null], [0])),
    ).toBe(true);
    const call = codec.decodeFunctionCall(payload(codec.encodeFunctionCall(1598, [1], ['x'], 1)));
    expect(codec.encodeFunctionCall(call).equals(codec.encodeFunctionCall(1598, [1], ['x'], 1))).toBe(true);
  });
});

describe('counts are checked against the bytes left before anything is allocated', () => {
  it.each<[string, (p: Buffer) => unknown, Buffer]>([
    ['RowDescription', codec.decodeRowDescription, payload(typed('T', i16(65535)))],
    ['DataRow', codec.decodeDataRow, payload(typed('D', i16(65535)))],
    ['Parse', codec.decodeParse, payload(typed('P', cstr(''), cstr(''), i16(65535)))],
    ['Bind', codec.decodeBind, payload(typed('B', cstr(''), cstr(''), i16(65535)))],
    ['ParameterDescription', codec.decodeParameterDescription, payload(typed('t', i16(65535)))],
    [
      'NegotiateProtocolVersion',
      codec.decodeNegotiateProtocolVersion,
      payload(typed('v', i32(0), i32(2 ** 31 - 1))),
    ],
  ])('%s', (_label, decode, bytes) => {
    expect(() => decode(bytes)).toThrow(/count \d+ needs at least/);
  });
});
