import type { WrittenRecord } from './file-sink-options';

/** A record body waiting for the file, and how to tell its writer how it went. */
export interface QueuedRecord {
  readonly body: string;
  readonly resolve: (record: WrittenRecord | null) => void;
  readonly reject: (err: Error) => void;
}

export interface WriteQueueOptions {
  /** Writes one batch (in order) and settles every record in it. Never rejects. */
  readonly write: (batch: QueuedRecord[]) => Promise<unknown>;
  /** How long a record that gates nothing may wait to share a write (0: the next turn). */
  readonly laterMs: number;
  /** Upper bound on one batch's bytes (one record always goes, whatever its size). */
  readonly maxBatchBytes: number;
}

/**
 * The file sink's records in call order, and when they are written: a
 * record pushed `now` goes out after the current turn of the event loop,
 * with every other session's record of that turn (group commit); one pushed
 * `later` waits up to `laterMs` for company, unless something takes it
 * sooner (`takeAll`, for the statement path's synchronous write, or a `now`
 * push). One batch is written at a time.
 */
export class WriteQueue {
  readonly #options: WriteQueueOptions;
  #entries: QueuedRecord[] = [];
  #scheduled = false;
  #later: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;

  constructor(options: WriteQueueOptions) {
    this.#options = options;
  }

  get length(): number {
    return this.#entries.length;
  }

  /** A batch is being written: a write outside the queue now would overtake it. */
  get writing(): boolean {
    return this.#writing !== null;
  }

  push(record: QueuedRecord, later: boolean): void {
    this.#entries.push(record);
    if (later && this.#options.laterMs > 0) this.#kickLater();
    else this.kick();
  }

  /** Everything queued, in order, for a write the caller does itself (the queue is not writing). */
  takeAll(): QueuedRecord[] {
    return this.#entries.splice(0);
  }

  /** Writes what is queued after the current turn (now, for records waiting `later`). */
  kick(): void {
    if (this.#later !== null) {
      clearTimeout(this.#later);
      this.#later = null;
    }
    if (this.#writing !== null || this.#scheduled) return;
    this.#scheduled = true;
    // After the current I/O phase: the records of every session whose statement arrived in this
    // turn of the event loop go out in one write (group commit), at the cost of waiting for the
    // other sessions' callbacks of the same turn.
    setImmediate(() => {
      this.#scheduled = false;
      this.#writing = this.#writeAll().finally(() => {
        this.#writing = null;
        if (this.#entries.length > 0) this.kick();
      });
    });
  }

  /** Writes everything queued (now) and resolves once nothing is queued or being written. */
  async drain(): Promise<void> {
    if (this.#entries.length > 0) this.kick();
    while (this.#scheduled || this.#writing !== null) {
      await (this.#writing ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  #kickLater(): void {
    if (this.#writing !== null || this.#scheduled || this.#later !== null) return;
    this.#later = setTimeout(() => {
      this.#later = null;
      // A synchronous write may have taken everything along meanwhile.
      if (this.#entries.length > 0) this.kick();
    }, this.#options.laterMs);
  }

  async #writeAll(): Promise<void> {
    while (this.#entries.length > 0) await this.#options.write(this.#takeBatch());
  }

  #takeBatch(): QueuedRecord[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#entries.length) {
      bytes += (this.#entries[n] as QueuedRecord).body.length + 160;
      if (n > 0 && bytes > this.#options.maxBatchBytes) break;
      n += 1;
    }
    return this.#entries.splice(0, n);
  }
}
