import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the per-statement path. prom-client hashes a
 * label object on every `inc`/`observe` and builds a closure per histogram
 * observation; at tens of thousands of statements a second that is a few
 * microseconds each. These take label values positionally, keep one cell per
 * label set in a Map keyed by the values joined, and produce exactly what
 * prom-client's own metrics produce for a scrape (`get()`), so the registry,
 * the text format and the cluster aggregation treat them as its own.
 *
 * Label values must come from bounded sets (see GatewayMetrics).
 */

interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers: readonly Registry[];
}

/** What prom-client's Registry reads from a metric. */
interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

/** The key of a label set: its values joined by a character no bounded label value holds. */
const SEP = '\u0001';

abstract class FastMetric<L extends string, Cell> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  readonly labelNames: readonly L[];
  protected cells = new Map<string, { readonly labels: Record<string, string>; readonly cell: Cell }>();

  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    for (const registry of options.registers) registry.registerMetric(this as never);
  }

  abstract readonly type: 'counter' | 'histogram';
  protected abstract newCell(): Cell;

  reset(): void {
    this.cells = new Map();
  }

  protected cell(values: readonly string[]): Cell {
    const key = values.length === 1 ? (values[0] as string) : values.join(SEP);
    let entry = this.cells.get(key);
    if (entry === undefined) {
      if (values.length !== this.labelNames.length)
        throw new Error(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] as string));
      entry = { labels, cell: this.newCell() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }
}

export class FastCounter<L extends string = never> extends FastMetric<L, { value: number }> {
  readonly type = 'counter' as const;

  protected newCell(): { value: number } {
    return { value: 0 };
  }

  /** Adds `by` (default 1) to the count of this label set; values in `labelNames` order. */
  inc(labelValues: readonly string[] = [], by = 1): void {
    this.cell(labelValues).value += by;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: 'counter';
    values: MetricValue[];
    aggregator: 'sum';
  }> {
    const values = [...this.cells.values()].map(({ labels, cell }) => ({ value: cell.value, labels }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }
}

interface HistogramCell {
  /** Per bucket (not cumulative), the last slot for values above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram<L extends string = never> extends FastMetric<L, HistogramCell> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: MetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected newCell(): HistogramCell {
    return { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }

  observe(value: number, labelValues: readonly string[] = []): void {
    const cell = this.cell(labelValues);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    cell.counts[i] = (cell.counts[i] as number) + 1;
    cell.sum += value;
    cell.count += 1;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: MetricValue[];
    aggregator: 'sum';
  }> {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, cell } of this.cells.values()) {
      let acc = 0;
      this.#bounds.forEach((le, i) => {
        acc += cell.counts[i] as number;
        values.push({ value: acc, labels: { le, ...labels }, metricName: bucket });
      });
      values.push({ value: cell.count, labels: { le: '+Inf', ...labels }, metricName: bucket });
      values.push({ value: cell.sum, labels: { ...labels }, metricName: `${this.name}_sum` });
      values.push({ value: cell.count, labels: { ...labels }, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }
}
