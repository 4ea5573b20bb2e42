import { fdatasyncFd } from './file-io';

export interface GroupFsyncOptions {
  /** fsync at most this long after a record was written. */
  readonly intervalMs: number;
  /** fsync at once when this many records are unsynced. */
  readonly everyRecords: number;
  /** The descriptor to sync now; null while the file is closed. */
  readonly fd: () => number | null;
  readonly onSynced: () => void;
  /** Nothing waits on a background fsync: its failure is reported here. */
  readonly onError: (err: Error) => void;
}

/**
 * Background group fsync for `write` durability: written records are
 * counted, and one fdatasync covers all of them once enough have piled up or
 * the interval has passed, whichever comes first. One fsync at a time.
 */
export class GroupFsync {
  readonly #options: GroupFsyncOptions;
  #unsynced = 0;
  #timer: NodeJS.Timeout | null = null;
  #syncing: Promise<void> | null = null;

  constructor(options: GroupFsyncOptions) {
    this.#options = options;
  }

  /** `n` more records reached the file. */
  written(n: number): void {
    this.#unsynced += n;
    this.#schedule();
  }

  /** An fsync made outside (rotation, close) covered everything written so far. */
  synced(): void {
    this.#unsynced = 0;
  }

  /** Waits until no background fsync is in flight. */
  async settle(): Promise<void> {
    while (this.#syncing !== null) await this.#syncing;
  }

  /** Drops the pending timer (close). */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#unsynced >= this.#options.everyRecords) {
      this.#syncNow();
      return;
    }
    if (this.#timer !== null || this.#syncing !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#syncNow();
    }, this.#options.intervalMs);
    // Unsynced data is in the page cache: it outlives the process, so no need to hold it open.
    this.#timer.unref();
  }

  #syncNow(): void {
    this.cancel();
    if (this.#syncing !== null) return; // rescheduled when it finishes
    const fd = this.#options.fd();
    if (this.#unsynced === 0 || fd === null) return;
    this.#unsynced = 0;
    this.#syncing = fdatasyncFd(fd)
      .then(this.#options.onSynced, (err: Error) => this.#options.onError(err))
      .finally(() => {
        this.#syncing = null;
        if (this.#unsynced > 0 && this.#options.fd() !== null) this.#schedule();
      });
  }
}
