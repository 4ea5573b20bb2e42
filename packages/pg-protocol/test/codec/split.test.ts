import { MessageReader } from '../../src/codec';
import { SAMPLES, type Sample } from './samples';
import { cut, expectZeroCopy, frameAll, payloadOf } from './helpers';

/**
 * Frames `chunks` and checks each message against the samples: type byte, raw
 * bytes, payload, and (with `decode`) the decoded value; then zero-copy.
 * Decoding is skipped for long stream sweeps: equal bytes decode equally, and
 * every sample's decoding is checked in the single-message sweeps.
 */
function checkFramed(samples: Sample[], chunks: Buffer[], decode = true): void {
  const startupCount = samples.findIndex((s) => !s.startup);
  const framed = frameAll(chunks, startupCount < 0 ? samples.length : startupCount);
  expect(framed).toHaveLength(samples.length);
  framed.forEach((message, i) => {
    const sample = samples[i] as Sample;
    const ok =
      message.code === sample.code &&
      message.raw.equals(sample.oracle) &&
      message.payload.equals(payloadOf(sample, sample.oracle));
    if (!ok) {
      throw new Error(`message ${i} (${sample.name}) framed wrongly: ${message.raw.toString('hex')}`);
    }
    if (decode) expect(sample.decode(message.payload)).toEqual(sample.expected);
  });
  expectZeroCopy(chunks, framed);
}

const startupSamples = SAMPLES.filter((s) => s.startup);
const typedSamples = SAMPLES.filter((s) => !s.startup);

describe('every message split at every byte boundary', () => {
  it.each(SAMPLES.map((s, i) => [`${i} ${s.name}`, s] as const))('%s', (_label, sample) => {
    const bytes = sample.oracle;
    for (let at = 0; at <= bytes.length; at++) checkFramed([sample], cut(bytes, [at]));
  });
});

describe('every message fed one byte at a time (straddling many chunks)', () => {
  it.each(SAMPLES.map((s, i) => [`${i} ${s.name}`, s] as const))('%s', (_label, sample) => {
    const bytes = sample.oracle;
    const offsets = Array.from({ length: bytes.length }, (_, i) => i + 1);
    checkFramed([sample], cut(bytes, offsets));
  });
});

describe('streams of many messages', () => {
  // A startup packet, then every typed message, as one connection would carry them.
  const connection: Sample[] = [startupSamples[0] as Sample, ...typedSamples];
  const stream = Buffer.concat(connection.map((s) => s.oracle));

  it('frames every message of one chunk as a view of that chunk', () => {
    const framed = frameAll([stream], 1);
    expect(framed).toHaveLength(connection.length);
    for (const message of framed) expect(message.buffer).toBe(stream);
    checkFramed(connection, [stream]);
  });

  it('splits the whole stream at every byte boundary', () => {
    for (let at = 0; at <= stream.length; at++) checkFramed(connection, cut(stream, [at]), false);
  });

  it('splits the whole stream at every pair of boundaries around each message edge', () => {
    const edges: number[] = [];
    let offset = 0;
    for (const s of connection) {
      offset += s.oracle.length;
      edges.push(offset);
    }
    for (const edge of edges) {
      for (let a = Math.max(0, edge - 6); a <= Math.min(stream.length, edge + 1); a++) {
        for (let b = Math.max(a, edge - 1); b <= Math.min(stream.length, edge + 6); b++) {
          checkFramed(connection, cut(stream, [a, b]), false);
        }
      }
    }
  });

  it('handles every startup packet followed by typed messages in the same chunk', () => {
    for (const startup of startupSamples) {
      const seq = [startup, ...typedSamples.slice(0, 5)];
      const bytes = Buffer.concat(seq.map((s) => s.oracle));
      for (let at = 0; at <= bytes.length; at++) checkFramed(seq, cut(bytes, [at]), false);
    }
  });

  it('reassembles a large message from many small chunks and keeps the chunks after it zero-copy', () => {
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const header = Buffer.from([0x64, 0, 0, 0, 0]);
    header.writeInt32BE(big.length + 4, 1);
    const sync = Buffer.from([0x53, 0, 0, 0, 4]);
    const bytes = Buffer.concat([header, big, sync, sync]);
    const reader = new MessageReader({ maxMessageSize: 2 << 20 });
    const step = 4093;
    let framedBig = false;
    let at = 0;
    for (; at + step < header.length + big.length; at += step) {
      reader.push(bytes.subarray(at, at + step));
      expect(reader.next()).toBe(false);
    }
    const tail = bytes.subarray(at);
    reader.push(tail);
    expect(reader.next()).toBe(true);
    framedBig = reader.payload().equals(big);
    expect(framedBig).toBe(true);
    expect(reader.next()).toBe(true);
    expect(reader.buffer).toBe(tail);
    expect(reader.raw().equals(sync)).toBe(true);
    expect(reader.next()).toBe(true);
    expect(reader.buffer).toBe(tail);
    expect(reader.next()).toBe(false);
    expect(reader.pendingBytes).toBe(0);
  });

  it('copies only the straddling message, never the rest of the completing chunk', () => {
    const a = SAMPLES.find((s) => s.name === 'Query') as Sample;
    const bytes = Buffer.concat([a.oracle, a.oracle, a.oracle]);
    const first = bytes.subarray(0, 3);
    const second = bytes.subarray(3);
    const framed = frameAll([first, second]);
    expect(framed).toHaveLength(3);
    expect(framed[0]?.buffer.length).toBe(a.oracle.length);
    expect(framed[1]?.buffer).toBe(second);
    expect(framed[2]?.buffer).toBe(second);
  });
});

describe('pendingBytes and takeRemaining', () => {
  it('counts every byte received and not yet framed, at every split', () => {
    const stream = Buffer.concat(typedSamples.slice(0, 6).map((s) => s.oracle));
    for (let at = 0; at <= stream.length; at++) {
      const reader = new MessageReader({ maxMessageSize: 1 << 20 });
      reader.push(stream.subarray(0, at));
      let consumed = 0;
      while (reader.next()) consumed = reader.end - reader.messageStart + consumed;
      expect(reader.pendingBytes).toBe(at - consumed);
      const rest = reader.takeRemaining();
      expect(rest.equals(stream.subarray(consumed, at))).toBe(true);
      expect(reader.pendingBytes).toBe(0);
      expect(reader.next()).toBe(false);
    }
  });
});
