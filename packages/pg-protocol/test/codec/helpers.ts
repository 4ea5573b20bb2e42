import { MessageReader } from '../../src/codec';
import type { Sample } from './samples';

export interface Framed {
  code: number;
  raw: Buffer;
  payload: Buffer;
  buffer: Buffer;
  messageStart: number;
  end: number;
}

/** Payload of a complete encoded message (after type byte and length). */
export function payloadOf(sample: Sample, message: Buffer): Buffer {
  return message.subarray(sample.startup ? 4 : 5);
}

/**
 * Pushes `chunks` into a reader one at a time, draining after each push.
 * `startupCount` packets are framed in startup mode, then the reader switches.
 */
export function frameAll(chunks: Buffer[], startupCount = 0, maxMessageSize = 1 << 24): Framed[] {
  const reader = new MessageReader({ maxMessageSize, startup: startupCount > 0 });
  const out: Framed[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    while (reader.next()) {
      out.push({
        code: reader.code,
        raw: reader.raw(),
        payload: reader.payload(),
        buffer: reader.buffer,
        messageStart: reader.messageStart,
        end: reader.end,
      });
      if (out.length === startupCount) reader.startup = false;
    }
  }
  expect(reader.pendingBytes).toBe(0);
  return out;
}

/** Cuts `bytes` at the given sorted offsets (duplicates and ends allowed: empty chunks). */
export function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const offset of offsets) {
    chunks.push(bytes.subarray(at, offset));
    at = offset;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}

/**
 * Checks the zero-copy contract: a message lying wholly inside one pushed
 * chunk is a range of that very chunk; a straddling one is in a buffer of
 * exactly its size.
 */
export function expectZeroCopy(chunks: Buffer[], framed: Framed[]): void {
  const starts: number[] = [];
  let total = 0;
  for (const chunk of chunks) {
    starts.push(total);
    total += chunk.length;
  }
  let streamOffset = 0;
  let index = 0;
  for (const message of framed) {
    const length = message.end - message.messageStart;
    while (
      index < chunks.length &&
      (starts[index] as number) + (chunks[index] as Buffer).length <= streamOffset
    ) {
      index++;
    }
    const chunk = chunks[index];
    const start = starts[index] as number;
    const inside = chunk !== undefined && streamOffset + length <= start + chunk.length;
    const ok = inside
      ? message.buffer === chunk && message.messageStart === streamOffset - start
      : !chunks.includes(message.buffer) && message.messageStart === 0 && message.buffer.length === length;
    if (!ok) {
      throw new Error(
        `message at stream offset ${streamOffset} (${length} bytes) breaks the zero-copy contract (inside a chunk: ${inside})`,
      );
    }
    streamOffset += length;
  }
}
