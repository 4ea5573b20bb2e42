import { connect, type Socket } from 'node:net';
import {
  BackendCode,
  decodeErrorFields,
  encodePasswordMessage,
  encodeStartupMessage,
  MessageReader,
} from '../../src/codec';

/** A raw protocol client for tests that need exact control of the bytes sent. */
export class RawClient {
  readonly socket: Socket;
  readonly #reader = new MessageReader({ maxMessageSize: 1 << 20 });
  readonly #messages: { code: number; payload: Buffer }[] = [];
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      while (this.#reader.next())
        this.#messages.push({ code: this.#reader.code, payload: Buffer.from(this.#reader.payload()) });
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  /** Connects and logs in; resolves after the first ReadyForQuery. */
  static async login(port: number, token = 'token-alice', database = 'local'): Promise<RawClient> {
    const c = await RawClient.connect(port);
    c.socket.write(encodeStartupMessage({ user: 'alice', database }));
    await c.until(BackendCode.Authentication);
    c.socket.write(encodePasswordMessage(token));
    await c.until(BackendCode.ReadyForQuery);
    c.take();
    return c;
  }

  /** Waits until a message with this code has arrived (or the socket closed). */
  async until(code: number, count = 1): Promise<{ code: number; payload: Buffer }[]> {
    for (;;) {
      if (this.#messages.filter((m) => m.code === code).length >= count) return this.#messages;
      if (this.closed) return this.#messages;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async closedNow(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  take(): { code: number; payload: Buffer }[] {
    return this.#messages.splice(0);
  }

  /** Error SQLSTATEs among received messages. */
  errors(): string[] {
    return this.#messages
      .filter((m) => m.code === BackendCode.ErrorResponse)
      .map((m) => decodeErrorFields(m.payload).code);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export const codes = (messages: { code: number }[]): string =>
  messages.map((m) => String.fromCharCode(m.code)).join('');
