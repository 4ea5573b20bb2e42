import { createRequire } from 'node:module';

/**
 * The part of `@opentelemetry/api` (1.x) the gateway uses, typed here so the
 * gateway builds whether or not the package is installed. With the package
 * present, spans go to whatever SDK the operator registered in the process
 * (e.g. `node --require @opentelemetry/auto-instrumentations-node/register`);
 * with no SDK the API is a no-op, and without the package there is no
 * tracing at all.
 */
export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
  isRecording(): boolean;
}

export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; startTime?: number; attributes?: Record<string, string | number | boolean> },
    context?: unknown,
  ): OtelSpan;
}

export interface OtelApi {
  readonly trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
  };
  readonly context: { active(): unknown };
  readonly SpanKind: { readonly SERVER: number; readonly CLIENT: number; readonly INTERNAL: number };
  readonly SpanStatusCode: { readonly UNSET: number; readonly OK: number; readonly ERROR: number };
}

/** `@opentelemetry/api` if it can be loaded from here, else null. */
export function loadOpenTelemetryApi(): OtelApi | null {
  try {
    return createRequire(__filename)('@opentelemetry/api') as OtelApi;
  } catch {
    return null;
  }
}
