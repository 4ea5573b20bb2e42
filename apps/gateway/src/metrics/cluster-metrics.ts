import cluster from 'node:cluster';
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics';

/** One process's metrics as prom-client serialises them for aggregation (what workers send over IPC). */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** What GET /metrics serves. */
export interface MetricsSource {
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/**
 * IPC of the metrics gather. The reply carries `metricsRequest`, not
 * `requestId`: the worker supervisor matches replies on `requestId`, and
 * ignores message types it does not know.
 */
const REQUEST = 'metrics.get';
const REPLY = 'metrics.get.reply';
/** A worker that does not answer in this time is left out of the scrape. */
const GATHER_TIMEOUT_MS = 2000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly metricsRequest: number;
}
interface MetricsReply {
  readonly type: typeof REPLY;
  readonly metricsRequest: number;
  readonly metrics: MetricsSnapshot;
}

/** In a cluster worker: answers the primary's metrics requests with this process's registry. Idempotent per registry. */
const answering = new WeakSet<GatewayMetrics>();
export function answerMetricsRequests(metrics: GatewayMetrics): void {
  if (!cluster.isWorker || answering.has(metrics)) return;
  answering.add(metrics);
  process.on('message', (message: unknown) => {
    const m = message as Partial<MetricsRequest> | null;
    if (m?.type !== REQUEST || typeof m.metricsRequest !== 'number') return;
    const id = m.metricsRequest;
    void metrics.registry.getMetricsAsJSON().then((snapshot) => {
      if (process.connected)
        process.send?.({ type: REPLY, metricsRequest: id, metrics: snapshot } satisfies MetricsReply);
    });
  });
}

let nextRequest = 1;

/** In the cluster primary: every live worker's snapshot (those that answer in time). */
export function gatherWorkerMetrics(timeoutMs = GATHER_TIMEOUT_MS): Promise<MetricsSnapshot[]> {
  const workers = Object.values(cluster.workers ?? {}).filter(
    (w) => w !== undefined && w.isConnected() && !w.isDead(),
  );
  if (workers.length === 0) return Promise.resolve([]);
  const id = nextRequest++;
  return new Promise((resolve) => {
    const snapshots: MetricsSnapshot[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      resolve(snapshots);
    };
    const onMessage = (_worker: unknown, message: unknown): void => {
      const m = message as Partial<MetricsReply> | null;
      if (m?.type !== REPLY || m.metricsRequest !== id || !Array.isArray(m.metrics)) return;
      snapshots.push(m.metrics);
      if (snapshots.length === workers.length) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    cluster.on('message', onMessage);
    for (const w of workers) w!.send({ type: REQUEST, metricsRequest: id } satisfies MetricsRequest);
  });
}

/**
 * GET /metrics of this process: its own registry, plus (in a cluster
 * primary) every worker's snapshot, merged with prom-client's
 * AggregatorRegistry: counters, histograms and gauges are summed unless the
 * metric names another aggregator. gatehouse_workers_reporting says how
 * many workers answered.
 */
export function processMetricsSource(
  own: GatewayMetrics,
  gather: () => Promise<MetricsSnapshot[]> = gatherWorkerMetrics,
): MetricsSource {
  const reporting = new Gauge({
    name: 'gatehouse_workers_reporting',
    help: 'Worker processes whose metrics are summed into this scrape (0 in a single process)',
    registers: [own.registry],
  });
  return {
    scrape: async () => {
      const workers = cluster.isPrimary ? await gather() : [];
      if (workers.length === 0)
        return { contentType: own.registry.contentType, body: await own.registry.metrics() };
      reporting.set(workers.length);
      const merged = AggregatorRegistry.aggregate([await own.registry.getMetricsAsJSON(), ...workers]);
      return { contentType: merged.contentType, body: await merged.metrics() };
    },
  };
}
