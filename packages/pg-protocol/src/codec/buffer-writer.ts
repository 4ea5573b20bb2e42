import { ProtocolError } from './protocol-error';

/** Room for the type byte and the Int32 length, written by `frame`. */
const HEADER_SIZE = 5;

/**
 * Builds one message at a time in a growable buffer. `frame` prepends the type
 * byte and length and returns a fresh Buffer, so one writer can be reused and
 * nothing it returned is ever overwritten.
 */
export class MessageWriter {
  private buffer: Buffer;
  private offset = HEADER_SIZE;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialSize, HEADER_SIZE + 16));
  }

  /** Bytes written so far (excluding the header). */
  get length(): number {
    return this.offset - HEADER_SIZE;
  }

  private ensure(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  int8(value: number): this {
    this.ensure(1);
    this.offset = this.buffer.writeInt8(value, this.offset);
    return this;
  }

  /** One unsigned byte, e.g. a field code or a target 'S'/'P'. */
  byte(value: number): this {
    this.ensure(1);
    this.offset = this.buffer.writeUInt8(value, this.offset);
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
    return this;
  }

  /** Counts are unsigned 16-bit on the wire (the server reads them as uint16). */
  uint16(value: number): this {
    this.ensure(2);
    this.offset = this.buffer.writeUInt16BE(value, this.offset);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
    return this;
  }

  /** OIDs are unsigned 32-bit. */
  uint32(value: number): this {
    this.ensure(4);
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
    return this;
  }

  /**
   * A NUL-terminated UTF-8 string. A string that itself contains NUL cannot be
   * represented and throws ProtocolError instead of producing a corrupt message.
   */
  cstring(value: string): this {
    if (value.includes('\0')) {
      throw new ProtocolError('string contains a NUL byte and cannot be sent as a protocol string');
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length + 1);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
    this.buffer[this.offset++] = 0;
    return this;
  }

  /** UTF-8 bytes without terminator (e.g. a DataRow value after its length). */
  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /**
   * Finishes the message: type byte `code` and the Int32 length (which counts
   * itself, not the type byte), then resets the writer. `code` 0 writes no type
   * byte, for startup-phase packets. Returns a newly allocated Buffer.
   */
  frame(code: number): Buffer {
    const bodyLength = this.offset - HEADER_SIZE;
    const start = code === 0 ? 1 : 0;
    if (code !== 0) this.buffer[0] = code;
    this.buffer.writeInt32BE(bodyLength + 4, 1);
    const message = Buffer.allocUnsafe(this.offset - start);
    this.buffer.copy(message, 0, start, this.offset);
    this.offset = HEADER_SIZE;
    return message;
  }

  /** Drops anything written since the last frame (after an encoder threw midway). */
  reset(): this {
    this.offset = HEADER_SIZE;
    return this;
  }
}
