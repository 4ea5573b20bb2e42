const ARENA_SIZE = 64 * 1024;

/**
 * Slabs rewritten rows are written into, in order: consecutive rows are
 * consecutive bytes of one ArrayBuffer, which OutputBatch writes as one
 * slice. Bytes before `at` are handed out and never written again (a new
 * slab replaces a full one), so a slice given to the socket stays as it was
 * until it is sent; bytes from `at` on are free, and a row being written
 * there may be abandoned (it changed nothing) at no cost.
 */
export class RowArena {
  #slab = Buffer.allocUnsafeSlow(ARENA_SIZE);
  #at = 0;

  /** Where the next row starts in the slab reserve() returns. */
  get at(): number {
    return this.#at;
  }

  /** The slab reserve() returns when the row fits after `at`. */
  get current(): Buffer {
    return this.#slab;
  }

  /** Whether `size` bytes fit after `at` in the current slab (reserve() would keep it). */
  fits(size: number): boolean {
    return size <= ARENA_SIZE / 4 && this.#at + size <= this.#slab.length;
  }

  /** A slab with room for `size` bytes from `at`. */
  reserve(size: number): Buffer {
    if (size > ARENA_SIZE / 4) {
      // A large row gets a slab of its own, so the shared ones stay small.
      this.#slab = Buffer.allocUnsafeSlow(size);
      this.#at = 0;
    } else if (this.#at + size > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(ARENA_SIZE);
      this.#at = 0;
    }
    return this.#slab;
  }

  /**
   * The row written at [base, end) of the current slab needs `more` bytes
   * than it has: it is moved to the start of a new slab (returned) with room
   * for them; it then starts at 0 and ends at `end - base`.
   */
  move(base: number, end: number, more: number): Buffer {
    const old = this.#slab;
    const size = end - base + more;
    this.#slab = Buffer.allocUnsafeSlow(size > ARENA_SIZE / 4 ? size : ARENA_SIZE);
    this.#at = 0;
    old.copy(this.#slab, 0, base, end);
    return this.#slab;
  }

  /** The row written at [base, end): handed out; the next reservation starts after it. */
  commit(base: number, end: number): Buffer {
    this.#at = end;
    return this.#slab.subarray(base, end);
  }
}
