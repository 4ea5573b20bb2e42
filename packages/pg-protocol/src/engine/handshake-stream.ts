import type { Socket } from 'node:net';
import { MessageReader } from '../codec';

/** One framed message read during a handshake, copied out of the socket's buffers. */
export interface HandshakeMessage {
  readonly code: number;
  readonly payload: Buffer;
  readonly raw: Buffer;
}

/**
 * Promise-style reading for the short handshake phases (client startup, TLS
 * negotiation, upstream login). The steady-state relay reads event-driven
 * instead; `detach()` hands over whatever was received but not consumed.
 */
export class HandshakeStream {
  readonly #socket: Socket;
  readonly #reader: MessageReader;
  #waiter: { resolve: () => void; reject: (err: Error) => void } | null = null;
  #failure: Error | null = null;
  readonly #onData = (chunk: Buffer): void => {
    this.#reader.push(chunk);
    this.#wake();
  };
  readonly #onEnd = (): void => this.#fail(new Error('connection closed during handshake'));
  readonly #onError = (err: Error): void => this.#fail(err);

  constructor(socket: Socket, options: { maxMessageSize: number; startup: boolean }) {
    this.#socket = socket;
    this.#reader = new MessageReader(options);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
    // The previous owner may have paused the socket when it let go (see detach).
    socket.resume();
  }

  get reader(): MessageReader {
    return this.#reader;
  }

  /** Next whole message; rejects on close, error, timeout/abort or a framing error. */
  async readMessage(signal: AbortSignal): Promise<HandshakeMessage> {
    for (;;) {
      if (this.#reader.next()) {
        // Copy: handshake messages are few and must outlive the socket buffers.
        return {
          code: this.#reader.code,
          payload: Buffer.from(this.#reader.payload()),
          raw: Buffer.from(this.#reader.raw()),
        };
      }
      await this.#wait(signal);
    }
  }

  /**
   * Reads exactly one raw byte (the server's answer to SSLRequest). Anything
   * received after it before TLS starts is a protocol violation (an attacker
   * in the middle injecting plaintext, CVE-2021-23222), so the caller checks
   * `pendingBytes` is zero afterwards.
   */
  async readByte(signal: AbortSignal): Promise<number> {
    for (;;) {
      if (this.#reader.pendingBytes > 0) {
        const rest = this.#reader.takeRemaining();
        if (rest.length > 1) throw new Error('unexpected data after the TLS answer');
        return rest[0]!;
      }
      await this.#wait(signal);
    }
  }

  /**
   * Stops listening; returns unconsumed bytes for the next reader. With
   * `pause`, the socket stops flowing until its next owner resumes it, so no
   * byte is emitted while nobody listens.
   */
  detach(pause = false): Buffer {
    if (pause) this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
    return this.#reader.takeRemaining();
  }

  #wait(signal: AbortSignal): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiter = null;
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
    });
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.resolve();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.reject(this.#failure);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('handshake timed out');
}
