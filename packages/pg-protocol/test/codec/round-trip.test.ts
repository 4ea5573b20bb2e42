import * as codec from '../../src/codec';

function payloadOf(message: Buffer, typed = true): Buffer {
  return message.subarray(typed ? 5 : 4);
}

describe('round trips (basic)', () => {
  it('frontend messages', () => {
    const params = new Map([
      ['user', 'alice'],
      ['database', 'prod/analytics'],
    ]);
    expect(codec.decodeStartupPacket(payloadOf(codec.encodeStartupMessage(params), false))).toEqual({
      type: 'startup',
      majorVersion: 3,
      minorVersion: 0,
      parameters: params,
    });
    expect(codec.decodeStartupPacket(payloadOf(codec.encodeSslRequest(), false))).toEqual({
      type: 'ssl-request',
    });
    expect(codec.decodeQuery(payloadOf(codec.encodeQuery('select é')))).toBe('select é');
    expect(codec.decodeParse(payloadOf(codec.encodeParse('s1', 'select $1', [23])))).toEqual({
      name: 's1',
      query: 'select $1',
      parameterTypes: [23],
    });
    const bind = codec.decodeBind(
      payloadOf(codec.encodeBind('p', 's', [1], [Buffer.from([1, 2]), null], [0])),
    );
    expect(bind).toEqual({
      portal: 'p',
      statement: 's',
      parameterFormats: [1],
      parameters: [Buffer.from([1, 2]), null],
      resultFormats: [0],
    });
    expect(codec.decodeDescribe(payloadOf(codec.encodeDescribe('P', 'x')))).toEqual({
      target: 'P',
      name: 'x',
    });
    expect(codec.decodeExecute(payloadOf(codec.encodeExecute('', 10)))).toEqual({ portal: '', maxRows: 10 });
    expect(codec.decodePasswordMessage(payloadOf(codec.encodePasswordMessage('secret')))).toBe('secret');
  });

  it('backend messages', () => {
    const fields: codec.ErrorFields = {
      severity: 'ERROR',
      severityNonLocalized: 'ERROR',
      code: '42501',
      message: 'no',
    };
    expect(codec.decodeErrorFields(payloadOf(codec.encodeErrorResponse(fields)))).toEqual(fields);
    expect(codec.decodeReadyForQuery(payloadOf(codec.encodeReadyForQuery('T')))).toBe('T');
    expect(codec.decodeAuthentication(payloadOf(codec.encodeAuthenticationOk()))).toEqual({ type: 'ok' });
    expect(codec.decodeDataRow(payloadOf(codec.encodeDataRow(['a', null, Buffer.from([0])])))).toEqual([
      Buffer.from('a'),
      null,
      Buffer.from([0]),
    ]);
  });

  it('refuses to encode strings containing NUL', () => {
    expect(() => codec.encodeQuery('a\0b')).toThrow(codec.ProtocolError);
    // the shared writer is not left dirty
    expect(codec.encodeQuery('x')).toEqual(Buffer.from([0x51, 0, 0, 0, 6, 0x78, 0]));
  });
});
