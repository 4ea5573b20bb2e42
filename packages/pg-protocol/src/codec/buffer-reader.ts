import { ProtocolError } from './protocol-error';

/**
 * A bounds-checked cursor over one message payload. Every read past `end`
 * throws ProtocolError; `bytes` returns views (no copies) of the payload.
 */
export class BufferReader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    end = buffer.length,
  ) {
    if (start < 0 || end > buffer.length || start > end) {
      throw new RangeError(`BufferReader range ${start}..${end} outside buffer of ${buffer.length} bytes`);
    }
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at) {
      throw new ProtocolError(
        `message too short: ${what} needs ${n} bytes at offset ${at}, ${this.end - at} left`,
      );
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.take(1, 'Int8'));
  }

  uint8(): number {
    return this.buffer[this.take(1, 'Byte1')] as number;
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2, 'Int16'));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.take(2, 'Int16'));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4, 'Int32'));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4, 'Int32'));
  }

  /** A NUL-terminated string, decoded as UTF-8 (invalid sequences become U+FFFD). */
  cstring(): string {
    const start = this.offset;
    const nul = start < this.end ? this.buffer.indexOf(0, start) : -1;
    if (nul < 0 || nul >= this.end) {
      throw new ProtocolError(`unterminated string at offset ${start}`);
    }
    this.offset = nul + 1;
    return this.buffer.toString('utf8', start, nul);
  }

  /** Like cstring, but fails when the string is longer than `maxBytes` (without its NUL). */
  boundedCstring(maxBytes: number, what: string): string {
    const start = this.offset;
    const limit = Math.min(this.end, start + maxBytes + 1);
    const length = this.buffer.subarray(start, limit).indexOf(0);
    if (length < 0) {
      throw new ProtocolError(
        limit < this.end
          ? `${what} longer than ${maxBytes} bytes at offset ${start}`
          : `unterminated ${what} at offset ${start}`,
      );
    }
    this.offset = start + length + 1;
    return this.buffer.toString('utf8', start, start + length);
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Buffer {
    if (!Number.isInteger(n) || n < 0) {
      throw new ProtocolError(`invalid byte count ${n} at offset ${this.offset}`);
    }
    const at = this.take(n, `Byte${n}`);
    return this.buffer.subarray(at, at + n);
  }

  /** A view of everything left; the cursor moves to the end. */
  rest(): Buffer {
    const at = this.offset;
    this.offset = this.end;
    return this.buffer.subarray(at, this.end);
  }

  /** Guards a count read from the wire before anything is allocated for it. */
  expectAtLeast(count: number, bytesEach: number, what: string): void {
    if (count * bytesEach > this.end - this.offset) {
      throw new ProtocolError(
        `${what} count ${count} needs at least ${count * bytesEach} bytes, ${this.end - this.offset} left`,
      );
    }
  }

  /** Every message layout is exact: trailing bytes are a protocol violation, as in the server. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new ProtocolError(`${what}: ${this.end - this.offset} unexpected trailing bytes`);
    }
  }
}
