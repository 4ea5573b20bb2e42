import { MessageReader } from './message-reader';
import { ProtocolError } from './protocol-error';

function typed(code: string, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

function collect(reader: MessageReader): { code: number; raw: Buffer; payload: Buffer; buffer: Buffer }[] {
  const out = [];
  while (reader.next())
    out.push({ code: reader.code, raw: reader.raw(), payload: reader.payload(), buffer: reader.buffer });
  return out;
}

describe('MessageReader', () => {
  it('returns messages of one chunk as views of that chunk', () => {
    const chunk = Buffer.concat([typed('Q', 'select 1\0'), typed('S'), typed('X')]);
    const reader = new MessageReader({ maxMessageSize: 1024 });
    reader.push(chunk);
    const messages = collect(reader);
    expect(messages.map((m) => String.fromCharCode(m.code))).toEqual(['Q', 'S', 'X']);
    for (const m of messages) expect(m.buffer).toBe(chunk);
    expect(messages[0]?.payload.toString()).toBe('select 1\0');
    expect(messages[1]?.raw).toEqual(typed('S'));
    expect(messages[1]?.payload).toHaveLength(0);
    expect(reader.pendingBytes).toBe(0);
  });

  it('reports offsets into the shared buffer', () => {
    const chunk = Buffer.concat([typed('S'), typed('Q', 'x\0')]);
    const reader = new MessageReader({ maxMessageSize: 1024 });
    reader.push(chunk);
    expect(reader.next()).toBe(true);
    expect([reader.messageStart, reader.payloadStart, reader.end]).toEqual([0, 5, 5]);
    expect(reader.next()).toBe(true);
    expect([reader.messageStart, reader.payloadStart, reader.end]).toEqual([5, 10, 12]);
    expect(reader.next()).toBe(false);
  });

  it('assembles a message split across chunks', () => {
    const message = typed('Q', 'select 42\0');
    const reader = new MessageReader({ maxMessageSize: 1024 });
    reader.push(message.subarray(0, 3));
    expect(reader.next()).toBe(false);
    reader.push(message.subarray(3, 9));
    expect(reader.next()).toBe(false);
    expect(reader.pendingBytes).toBe(9);
    reader.push(message.subarray(9));
    expect(reader.next()).toBe(true);
    expect(reader.raw()).toEqual(message);
    expect(reader.pendingBytes).toBe(0);
  });

  it('frames untyped startup packets and switches to typed messages mid-chunk', () => {
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8, 0);
    startup.writeInt32BE(80877103, 4);
    const chunk = Buffer.concat([startup, typed('Q', 'x\0')]);
    const reader = new MessageReader({ maxMessageSize: 1024, startup: true });
    reader.push(chunk);
    expect(reader.next()).toBe(true);
    expect(reader.code).toBe(0);
    expect(reader.payload().readInt32BE(0)).toBe(80877103);
    reader.startup = false;
    expect(reader.next()).toBe(true);
    expect(reader.code).toBe(0x51);
    expect(reader.buffer).toBe(chunk);
  });

  it('rejects lengths below the minimum or above the maximum as soon as the header is complete', () => {
    const reader = new MessageReader({ maxMessageSize: 100 });
    reader.push(Buffer.from([0x51, 0, 0, 0, 3]));
    expect(() => reader.next()).toThrow(ProtocolError);
    expect(() => reader.next()).toThrow(/length 3 for message type 'Q'/);

    const big = new MessageReader({ maxMessageSize: 100 });
    big.push(Buffer.from([0x51, 0, 0, 0, 101]));
    expect(() => big.next()).toThrow(/length 101/);

    const startup = new MessageReader({ maxMessageSize: 100, startup: true });
    startup.push(Buffer.from([0, 0, 0, 7]));
    expect(() => startup.next()).toThrow(/startup packet length 7/);
  });

  it('takeRemaining returns and clears unframed bytes', () => {
    const reader = new MessageReader({ maxMessageSize: 100 });
    const bytes = Buffer.concat([typed('S'), typed('Q', 'abc\0').subarray(0, 7)]);
    reader.push(bytes.subarray(0, 2));
    reader.push(bytes.subarray(2));
    expect(reader.next()).toBe(true);
    expect(reader.next()).toBe(false);
    expect(reader.pendingBytes).toBe(7);
    expect(reader.takeRemaining()).toEqual(bytes.subarray(5));
    expect(reader.pendingBytes).toBe(0);
    expect(reader.takeRemaining().length).toBe(0);
  });
});
