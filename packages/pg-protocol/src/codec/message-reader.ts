import { describeCode } from './message-codes';
import { Limits } from './limits';
import { ProtocolError } from './protocol-error';

export interface MessageReaderOptions {
  /** Largest accepted declared length (the Int32 length field, which counts itself). */
  maxMessageSize: number;
  /** Start in the startup phase: packets are an Int32 length and a body, no type byte. */
  startup?: boolean;
}

/** Smallest legal declared length: the length field alone, or length + request code at startup. */
const MIN_TYPED_LENGTH = 4;
const MIN_STARTUP_LENGTH = 8;

const EMPTY = Buffer.alloc(0);

/**
 * Frames a byte stream into messages without copying them.
 *
 * Received chunks are kept as they are: a message lying wholly inside one chunk
 * is returned as a range of that chunk (`buffer === chunk`). Only a message that
 * straddles chunks is assembled, into a buffer of exactly its size, and only its
 * bytes are copied. Lengths are checked as soon as a header is complete, before
 * any of the body is buffered.
 *
 * Framing is lazy: `push` only queues, `next` frames one message, so `startup`
 * can be switched off between two messages of the same chunk.
 */
export class MessageReader {
  /** True while packets have no type byte (StartupMessage, SSLRequest, CancelRequest...). */
  startup: boolean;
  readonly maxMessageSize: number;

  /** The current message, valid after `next()` returned true until the next push/next. */
  code = 0;
  buffer: Buffer = EMPTY;
  messageStart = 0;
  payloadStart = 0;
  end = 0;

  /** Received bytes not yet returned as a message. */
  pendingBytes = 0;

  /** Chunks not fully framed yet; `position` is the read offset in chunks[0]. */
  private chunks: Buffer[] = [];
  private position = 0;
  /** A header split across chunks, collected here until complete. */
  private readonly header = Buffer.alloc(5);
  private headerFilled = 0;
  /** A message split across chunks, being assembled (exactly its size). */
  private assembly: Buffer | null = null;
  private assemblyFilled = 0;

  constructor(options: MessageReaderOptions) {
    if (!Number.isInteger(options.maxMessageSize) || options.maxMessageSize < MIN_STARTUP_LENGTH) {
      throw new RangeError(`maxMessageSize must be an integer >= ${MIN_STARTUP_LENGTH}`);
    }
    this.maxMessageSize = options.maxMessageSize;
    this.startup = options.startup ?? false;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.pendingBytes += chunk.length;
  }

  payload(): Buffer {
    // Sync, Flush and the like have none: no view made for them.
    return this.payloadStart === this.end ? EMPTY : this.buffer.subarray(this.payloadStart, this.end);
  }

  raw(): Buffer {
    return this.buffer.subarray(this.messageStart, this.end);
  }

  /** Advances to the next complete message; false when more bytes are needed. */
  next(): boolean {
    if (this.assembly === null && this.headerFilled === 0) {
      const chunk = this.chunks[0];
      if (chunk === undefined) return false;
      const available = chunk.length - this.position;
      const headerSize = this.startup ? 4 : 5;
      if (available >= headerSize) {
        const start = this.position;
        const length = this.checkLength(
          this.startup ? 0 : (chunk[start] as number),
          chunk.readInt32BE(start + headerSize - 4),
        );
        const total = headerSize - 4 + length;
        if (available >= total) {
          // Fast path: the whole message is inside this chunk; return a range of it.
          this.position = start + total;
          if (this.position === chunk.length) this.dropFirstChunk();
          this.pendingBytes -= total;
          this.setCurrent(chunk, start, headerSize, total);
          return true;
        }
        this.assembly = Buffer.allocUnsafe(total);
        this.assemblyFilled = chunk.copy(this.assembly, 0, start);
        this.dropFirstChunk();
      }
    }
    return this.nextStraddling();
  }

  /** Slow path: a header or a message split across chunks. */
  private nextStraddling(): boolean {
    const headerSize = this.startup ? 4 : 5;
    if (this.assembly === null) {
      this.headerFilled += this.fill(this.header, this.headerFilled, headerSize);
      if (this.headerFilled < headerSize) return false;
      const code = this.startup ? 0 : (this.header[0] as number);
      const length = this.checkLength(code, this.header.readInt32BE(headerSize - 4));
      this.assembly = Buffer.allocUnsafe(headerSize - 4 + length);
      this.assemblyFilled = this.header.copy(this.assembly, 0, 0, headerSize);
      this.headerFilled = 0;
    }
    const assembly = this.assembly;
    this.assemblyFilled += this.fill(assembly, this.assemblyFilled, assembly.length);
    if (this.assemblyFilled < assembly.length) return false;
    this.assembly = null;
    this.assemblyFilled = 0;
    this.pendingBytes -= assembly.length;
    this.setCurrent(assembly, 0, headerSize, assembly.length);
    return true;
  }

  /** Copies queued bytes into `target[filled..size)`; returns how many were copied. */
  private fill(target: Buffer, filled: number, size: number): number {
    let copied = 0;
    while (filled + copied < size) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const n = Math.min(size - filled - copied, chunk.length - this.position);
      chunk.copy(target, filled + copied, this.position, this.position + n);
      copied += n;
      this.position += n;
      if (this.position === chunk.length) this.dropFirstChunk();
    }
    return copied;
  }

  private dropFirstChunk(): void {
    this.chunks.shift();
    this.position = 0;
  }

  private setCurrent(buffer: Buffer, start: number, headerSize: number, total: number): void {
    this.buffer = buffer;
    this.messageStart = start;
    this.payloadStart = start + headerSize;
    this.end = start + total;
    this.code = headerSize === 5 ? (buffer[start] as number) : 0;
  }

  private checkLength(code: number, length: number): number {
    if (this.startup) {
      const max = Math.min(this.maxMessageSize, Limits.maxStartupPacketLength);
      if (length < MIN_STARTUP_LENGTH || length > max) {
        throw new ProtocolError(
          `invalid startup packet length ${length} (must be ${MIN_STARTUP_LENGTH}..${max})`,
        );
      }
    } else if (length < MIN_TYPED_LENGTH || length > this.maxMessageSize) {
      throw new ProtocolError(
        `invalid length ${length} for message type ${describeCode(code)} (must be ${MIN_TYPED_LENGTH}..${this.maxMessageSize})`,
      );
    }
    return length;
  }

  /**
   * Returns every received byte not yet returned as a message, and forgets
   * them (e.g. to check nothing was pipelined before a TLS switch).
   */
  takeRemaining(): Buffer {
    const parts: Buffer[] = [];
    if (this.assembly !== null) parts.push(this.assembly.subarray(0, this.assemblyFilled));
    else if (this.headerFilled > 0) parts.push(Buffer.from(this.header.subarray(0, this.headerFilled)));
    this.chunks.forEach((chunk, i) => parts.push(i === 0 ? chunk.subarray(this.position) : chunk));
    this.chunks = [];
    this.position = 0;
    this.assembly = null;
    this.assemblyFilled = 0;
    this.headerFilled = 0;
    this.pendingBytes = 0;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}
