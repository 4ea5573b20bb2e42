import { GatewayMetrics } from './gateway-metrics';

const byOwner = new WeakMap<object, GatewayMetrics>();

/**
 * The metrics of one gateway process, keyed by the object that stands for
 * it (its GatewayServices): the control API and the engines of a single
 * process share one registry, and two gateways started in one test process
 * never share counters.
 */
export function metricsOf(owner: object): GatewayMetrics {
  let metrics = byOwner.get(owner);
  if (!metrics) byOwner.set(owner, (metrics = new GatewayMetrics()));
  return metrics;
}
