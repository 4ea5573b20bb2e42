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
  /** The slice being extended: a range of one ArrayBuffer (a received chunk, or the rows masking wrote). */
  #memory: ArrayBufferLike | null = null;
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
    const from = buffer.byteOffset + start;
    if (this.#memory === buffer.buffer && this.#end === from) {
      this.#end = buffer.byteOffset + end;
      return;
    }
    this.#stash();
    this.#memory = buffer.buffer;
    this.#start = from;
    this.#end = buffer.byteOffset + end;
  }

  flush(): void {
    this.#stash();
    const pending = this.#pending;
    if (pending.length === 0) return;
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

  #stash(): void {
    const memory = this.#memory;
    if (memory === null) return;
    this.#memory = null;
    const slice = Buffer.from(memory as ArrayBuffer, this.#start, this.#end - this.#start);
    this.#pending.push(slice);
    this.#pendingBytes += slice.length;
  }
}
