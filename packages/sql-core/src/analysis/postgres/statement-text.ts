/**
 * libpg-query reports positions (stmt_location, stmt_len, node locations) as byte offsets into
 * the UTF-8 encoding of the query. For ASCII text a byte offset is a character index; for other
 * text these helpers convert.
 */
export class SourceText {
  readonly text: string;
  readonly ascii: boolean;
  #bytes: Buffer | null = null;

  constructor(text: string) {
    this.text = text;
    this.ascii = Buffer.byteLength(text, 'utf8') === text.length;
  }

  get byteLength(): number {
    return this.ascii ? this.text.length : this.bytes().length;
  }

  private bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.text, 'utf8'));
  }

  /** The text between two byte offsets. */
  slice(startByte: number, endByte: number): string {
    return this.ascii
      ? this.text.slice(startByte, endByte)
      : this.bytes().toString('utf8', startByte, endByte);
  }

  /**
   * Character index, within the slice starting at `startByte`, of each byte offset in `offsets`
   * that falls inside [startByte, endByte).
   */
  localIndices(offsets: readonly number[], startByte: number, endByte: number): number[] {
    const out: number[] = [];
    if (this.ascii) {
      for (const o of offsets) if (o >= startByte && o < endByte) out.push(o - startByte);
      return out;
    }
    const bytes = this.bytes();
    for (const o of offsets) {
      if (o < startByte || o >= endByte) continue;
      out.push(bytes.toString('utf8', startByte, o).length);
    }
    return out;
  }
}
