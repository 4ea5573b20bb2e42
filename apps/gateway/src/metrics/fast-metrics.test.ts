import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [number, string][] = [
  [0.0005, 'ok'],
  [0.001, 'ok'],
  [0.002, 'ok'],
  [0.5, 'error'],
  [3, 'ok'],
  [0.05, 'canceled'],
];

/** The same observations through prom-client's own metrics and through ours, one registry each. */
function pair(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const h1 = new Histogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['status'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const h2 = new FastHistogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['status'],
    buckets: BUCKETS,
    registers: [ours],
  });
  const c1 = new Counter({
    name: 'y_total',
    help: 'c',
    labelNames: ['kind', 'decision'],
    registers: [theirs],
  });
  const c2 = new FastCounter({
    name: 'y_total',
    help: 'c',
    labelNames: ['kind', 'decision'],
    registers: [ours],
  });
  const u1 = new Histogram({ name: 'z_seconds', help: 'u', buckets: BUCKETS, registers: [theirs] });
  const u2 = new FastHistogram({ name: 'z_seconds', help: 'u', buckets: BUCKETS, registers: [ours] });
  const n1 = new Counter({ name: 'n_total', help: 'n', registers: [theirs] });
  const n2 = new FastCounter({ name: 'n_total', help: 'n', registers: [ours] });
  for (const [v, status] of OBSERVED) {
    h1.observe({ status }, v);
    h2.observe(v, [status]);
    u1.observe(v);
    u2.observe(v);
    c1.inc({ kind: 'read', decision: status === 'ok' ? 'allow' : 'deny' });
    c2.inc(['read', status === 'ok' ? 'allow' : 'deny']);
  }
  n1.inc(5);
  n2.inc([], 5);
  return { theirs, ours };
}

describe('FastCounter and FastHistogram', () => {
  it('scrape exactly as prom-client metrics with the same observations', async () => {
    const { theirs, ours } = pair();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client adds `exemplar: null` to its values; nothing reads it without exemplars enabled.
    const withoutExemplars = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (k, v) => (k === 'exemplar' ? undefined : v)));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  it('aggregate across workers as prom-client metrics do', async () => {
    const a = pair();
    const b = pair();
    const theirs = AggregatorRegistry.aggregate([
      await a.theirs.getMetricsAsJSON(),
      await b.theirs.getMetricsAsJSON(),
    ]);
    const ours = AggregatorRegistry.aggregate([
      await a.ours.getMetricsAsJSON(),
      await b.ours.getMetricsAsJSON(),
    ]);
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('x_seconds_count{status="ok"} 8');
  });

  it('refuses a label set of the wrong size, and reset empties it', async () => {
    const registry = new Registry();
    const c = new FastCounter({ name: 'c_total', help: 'c', labelNames: ['a', 'b'], registers: [registry] });
    expect(() => c.inc(['only-one'])).toThrow(/takes 2 label values/);
    c.inc(['x', 'y'], 2);
    expect(await registry.metrics()).toContain('c_total{a="x",b="y"} 2');
    c.reset();
    expect(await registry.metrics()).not.toContain('c_total{');
  });
});
