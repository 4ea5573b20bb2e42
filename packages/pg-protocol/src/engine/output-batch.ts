import type { Socket } from 'node:net';

/** Below this many bytes, separate slices are copied into one buffer for a single write. */
const CONCAT_LIMIT = 256 * 1024;

/**
 * Coalesces forwarded messages: consecutive messages that lie next to each
 * other in the same received buffer are written as one slice of it, so a
 * chunk of pass-through messages costs one write and no copy. Messages that
 * do not lie next to each other (rewritten rows between original ones) are
 * collected until flush and written together: one write per received chunk,
 * not one per message.
 */
export class OutputBatch {
  readonly #socket: Socket;
  readonly #onFull: () => void;
  /** The range being extended: [start, end) of `buffer`, or of the same memory after it (a received chunk, or the rows masking wrote). */
  #buffer: Buffer | null = null;
  #start = 0;
  #end = 0;
  /** Slices waiting for flush, before the current one. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(socket: Socket, onFull: () => void) {
    this.#socket = socket;
    this.#onFull = onFull;
  }

  /** Queues buffer[start, end): contiguous with the previous range of the same memory, it extends it. */
  add(buffer: Buffer, start: number, end: number): void {
    const current = this.#buffer;
    const from = buffer.byteOffset + start;
    // Same Buffer first: reading `.buffer` is a call into the runtime, not a field load.
    if (current !== null && this.#end === from && (current === buffer || current.buffer === buffer.buffer)) {
      this.#end = buffer.byteOffset + end;
      return;
    }
    if (current !== null) this.#stash(current);
    this.#buffer = buffer;
    this.#start = from;
    this.#end = buffer.byteOffset + end;
  }

  flush(): void {
    const current = this.#buffer;
    if (this.#pending.length === 0) {
      // The usual case: one range (often a whole received chunk), written as it is.
      if (current === null) return;
      this.#buffer = null;
      if (this.#socket.destroyed) return;
      if (!this.#socket.write(this.#slice(current))) this.#onFull();
      return;
    }
    if (current !== null) {
      this.#buffer = null;
      this.#stash(current);
    }
    const pending = this.#pending;
    this.#pending = [];
    const bytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    if (this.#socket.destroyed) return;
    let ok: boolean;
    if (pending.length === 1) ok = this.#socket.write(pending[0] as Buffer);
    else if (bytes <= CONCAT_LIMIT) ok = this.#socket.write(Buffer.concat(pending, bytes));
    else {
      this.#socket.cork();
      ok = true;
      for (const slice of pending) ok = this.#socket.write(slice) && ok;
      this.#socket.uncork();
    }
    if (!ok) this.#onFull();
  }

  #stash(current: Buffer): void {
    const slice = this.#slice(current);
    this.#pending.push(slice);
    this.#pendingBytes += slice.length;
  }

  /** The current range as a Buffer: `current` itself when it covers it exactly (no new view). */
  #slice(current: Buffer): Buffer {
    const start = this.#start;
    const end = this.#end;
    if (start === current.byteOffset && end === start + current.length) return current;
    return Buffer.from(current.buffer as ArrayBuffer, start, end - start);
  }
}
