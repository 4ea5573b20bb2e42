import type { Logger } from 'pino';
import type { AuditSinkExtras } from '../audit/open-sinks';
import type { GatehouseConfig } from '../config';
import { AuditMetricsObserver } from './audit-metrics-observer';
import { answerMetricsRequests } from './cluster-metrics';
import { loadOpenTelemetryApi } from './otel-api';
import type { GatewayMetrics } from './gateway-metrics';
import { StatementTracer } from './statement-tracer';

const targetSets = new WeakMap<GatehouseConfig, ReadonlySet<string>>();

function targetNames(config: GatehouseConfig): ReadonlySet<string> {
  let names = targetSets.get(config);
  if (!names) targetSets.set(config, (names = new Set(config.targets.map((t) => t.name))));
  return names;
}

/**
 * What an engine process hangs on its audit: the metrics observer (and, in
 * a cluster worker, the answer to the primary's metrics requests) and,
 * when `@opentelemetry/api` is installed, the span observer. `config` is
 * read per event, so a reload's targets and tracing settings apply.
 */
export function auditObservers(
  services: { config(): GatehouseConfig; readonly logger: Logger },
  metrics: GatewayMetrics,
): AuditSinkExtras {
  const config = services.config();
  answerMetricsRequests(metrics);
  const counting = new AuditMetricsObserver(
    metrics,
    () => targetNames(services.config()),
    config.audit.on_failure === 'refuse',
  );
  const observers: NonNullable<AuditSinkExtras['observers']>[number][] = [counting];
  const otel = loadOpenTelemetryApi();
  if (otel) {
    observers.push(
      new StatementTracer(
        otel,
        () => services.config().tracing,
        (name) => services.config().targets.find((t) => t.name === name)?.upstream,
      ),
    );
  } else {
    services.logger.debug('@opentelemetry/api is not installed: no spans');
  }
  return { targets: config.targets, observers, replicaHooks: counting.replicaHooks() };
}
