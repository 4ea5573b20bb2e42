interface Entry<V> {
  readonly key: string;
  readonly value: V;
  newer: Entry<V> | null;
  older: Entry<V> | null;
}

/**
 * A bounded least-recently-used map. Analysis results are cached by the exact statement text:
 * a normalised key would merge `WHERE 1=1` with `WHERE 1=2`, which guardrails tell apart.
 *
 * Recency is a linked list beside the Map, not the Map's insertion order: V8 keeps deleted
 * Map entries as holes until it rehashes, so evicting "the first key" of a Map used as a queue
 * walks over every hole and an eviction-heavy cache slows down by microseconds per call.
 */
export class AnalysisCache<V> {
  readonly #max: number;
  readonly #map = new Map<string, Entry<V>>();
  #newest: Entry<V> | null = null;
  #oldest: Entry<V> | null = null;

  constructor(maxEntries: number) {
    this.#max = Math.max(0, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#pushNewest(entry);
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.#max === 0) return;
    const existing = this.#map.get(key);
    if (existing !== undefined) this.#unlink(existing);
    const entry: Entry<V> = { key, value, newer: null, older: null };
    this.#map.set(key, entry);
    this.#pushNewest(entry);
    if (this.#map.size > this.#max && this.#oldest !== null) {
      const oldest = this.#oldest;
      this.#unlink(oldest);
      this.#map.delete(oldest.key);
    }
  }

  clear(): void {
    this.#map.clear();
    this.#newest = null;
    this.#oldest = null;
  }

  #unlink(e: Entry<V>): void {
    if (e.newer !== null) e.newer.older = e.older;
    else this.#newest = e.older;
    if (e.older !== null) e.older.newer = e.newer;
    else this.#oldest = e.newer;
    e.newer = null;
    e.older = null;
  }

  #pushNewest(e: Entry<V>): void {
    e.older = this.#newest;
    e.newer = null;
    if (this.#newest !== null) this.#newest.newer = e;
    this.#newest = e;
    if (this.#oldest === null) this.#oldest = e;
  }
}
