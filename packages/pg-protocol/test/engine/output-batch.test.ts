import type { Socket } from 'node:net';
import { OutputBatch } from '../../src/engine/output-batch';

/** A socket that records what is written to it (and how), accepting or refusing more. */
class RecordingSocket {
  readonly writes: Buffer[] = [];
  corked = 0;
  destroyed = false;
  accept = true;

  write(chunk: Buffer): boolean {
    this.writes.push(chunk);
    return this.accept;
  }
  cork(): void {
    this.corked++;
  }
  uncork(): void {}
  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

function batch(): { out: OutputBatch; socket: RecordingSocket; full: () => number } {
  const socket = new RecordingSocket();
  let full = 0;
  const out = new OutputBatch(socket as unknown as Socket, () => full++);
  return { out, socket, full: () => full };
}

describe('OutputBatch', () => {
  it('writes a chunk whose messages all pass as that very buffer, once', () => {
    const { out, socket } = batch();
    const chunk = Buffer.from('T....D...C..Z.');
    out.add(chunk, 0, 5);
    out.add(chunk, 5, 9);
    out.add(chunk, 9, 12);
    out.add(chunk, 12, 14);
    out.flush();
    expect(socket.writes).toHaveLength(1);
    expect(socket.writes[0]).toBe(chunk);
  });

  it('writes part of a chunk as a view of exactly those bytes', () => {
    const { out, socket } = batch();
    const chunk = Buffer.from('aaaabbbbcccc');
    out.add(chunk, 4, 8);
    out.add(chunk, 8, 10);
    out.flush();
    expect(socket.writes).toHaveLength(1);
    expect(socket.writes[0]?.toString()).toBe('bbbbcc');
    expect(socket.writes[0]?.buffer).toBe(chunk.buffer);
  });

  it('joins contiguous ranges of one memory given through different views', () => {
    const { out, socket } = batch();
    const memory = Buffer.from('0123456789');
    out.add(memory.subarray(0, 4), 1, 4);
    out.add(memory.subarray(4), 0, 3);
    out.flush();
    expect(socket.writes.map(String)).toEqual(['123456']);
  });

  it('keeps the order of ranges that do not touch, in one write', () => {
    const { out, socket } = batch();
    const chunk = Buffer.from('AAAABBBBCCCC');
    const rewritten = Buffer.from('bb');
    out.add(chunk, 0, 4);
    out.add(rewritten, 0, 2);
    out.add(chunk, 8, 12);
    out.add(chunk, 0, 2);
    out.flush();
    expect(socket.writes.map(String)).toEqual(['AAAAbbCCCCAA']);
  });

  it('writes large batches piece by piece under one cork', () => {
    const { out, socket } = batch();
    const a = Buffer.alloc(200 * 1024, 1);
    const b = Buffer.alloc(100 * 1024, 2);
    out.add(a, 0, a.length);
    out.add(b, 0, b.length);
    out.flush();
    expect(socket.corked).toBe(1);
    expect(socket.writes).toHaveLength(2);
    expect(socket.bytes.equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('says when the socket is full, and writes nothing to a destroyed one', () => {
    const { out, socket, full } = batch();
    socket.accept = false;
    out.add(Buffer.from('x'), 0, 1);
    out.flush();
    expect(full()).toBe(1);
    socket.destroyed = true;
    out.add(Buffer.from('y'), 0, 1);
    out.flush();
    expect(socket.writes.map(String)).toEqual(['x']);
  });

  it('writes nothing when nothing was added, and starts afresh after a flush', () => {
    const { out, socket } = batch();
    out.flush();
    expect(socket.writes).toHaveLength(0);
    const chunk = Buffer.from('abcdef');
    out.add(chunk, 0, 3);
    out.flush();
    out.add(chunk, 3, 6);
    out.flush();
    expect(socket.writes.map(String)).toEqual(['abc', 'def']);
  });
});
