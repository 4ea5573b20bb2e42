import type { Socket } from 'node:net';

/**
 * Coalesces forwarded messages: consecutive messages that lie next to each
 * other in the same received buffer are written as one slice of it, so a
 * chunk of pass-through messages costs one write and no copy.
 */
export class OutputBatch {
  readonly #socket: Socket;
  readonly #onFull: () => void;
  #buffer: Buffer | null = null;
  #start = 0;
  #end = 0;

  constructor(socket: Socket, onFull: () => void) {
    this.#socket = socket;
    this.#onFull = onFull;
  }

  add(buffer: Buffer, start: number, end: number): void {
    if (this.#buffer === buffer && this.#end === start) {
      this.#end = end;
      return;
    }
    this.flush();
    this.#buffer = buffer;
    this.#start = start;
    this.#end = end;
  }

  flush(): void {
    const buffer = this.#buffer;
    if (buffer === null) return;
    this.#buffer = null;
    const slice =
      this.#start === 0 && this.#end === buffer.length ? buffer : buffer.subarray(this.#start, this.#end);
    if (!this.#socket.destroyed && !this.#socket.write(slice)) this.#onFull();
  }
}
