import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino from 'pino';
import { openAuditSinks } from '../src/audit';
import { parseConfig, type TracingConfig } from '../src/config';
import { StatementTracer, type OtelApi, type OtelSpan } from '../src/metrics';
import { tempDirs } from './audit/audit-test-kit';
import { eventStream } from './audit/event-stream';

/**
 * Spans through the real `@opentelemetry/api` (1.x; until the gateway
 * depends on it, loaded from where prom-client's dependency put it), with a
 * minimal in-memory provider standing in for an SDK: the API's global
 * provider registration, context and parent propagation are the real ones.
 */
type FullApi = OtelApi & {
  trace: OtelApi['trace'] & {
    setGlobalTracerProvider(p: unknown): boolean;
    getSpan(ctx: unknown): unknown;
    disable(): void;
  };
};
const fromPromClient = createRequire(require.resolve('prom-client'));
const api = fromPromClient('@opentelemetry/api') as FullApi;

interface Recorded {
  name: string;
  kind: number | undefined;
  start: number | undefined;
  end: number | undefined;
  parent: Recorded | null;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string } | null;
}

function memoryProvider(): { provider: unknown; spans: Recorded[] } {
  const spans: Recorded[] = [];
  let ids = 0;
  class Span implements OtelSpan {
    readonly rec: Recorded;
    readonly id = (++ids).toString(16).padStart(16, '0');
    constructor(rec: Recorded) {
      this.rec = rec;
    }
    spanContext() {
      return { traceId: '1'.repeat(32), spanId: this.id, traceFlags: 1 };
    }
    setAttribute(k: string, v: unknown) {
      this.rec.attributes[k] = v;
      return this;
    }
    setAttributes(a: Record<string, unknown>) {
      Object.assign(this.rec.attributes, a);
      return this;
    }
    setStatus(s: { code: number; message?: string }) {
      this.rec.status = s;
      return this;
    }
    end(t?: number) {
      this.rec.end = t;
    }
    isRecording() {
      return true;
    }
  }
  const tracer = {
    startSpan(
      name: string,
      options: { kind?: number; startTime?: number; attributes?: Record<string, unknown> } = {},
      ctx?: unknown,
    ) {
      const parent = api.trace.getSpan(ctx ?? api.context.active()) as Span | undefined;
      const rec: Recorded = {
        name,
        kind: options.kind,
        start: options.startTime,
        end: undefined,
        parent: parent?.rec ?? null,
        attributes: { ...options.attributes },
        status: null,
      };
      spans.push(rec);
      return new Span(rec);
    },
  };
  return { provider: { getTracer: () => tracer }, spans };
}

const dirs = tempDirs();
afterEach(() => {
  api.trace.disable();
  dirs.cleanup();
});

async function run(tracing: TracingConfig): Promise<Recorded[]> {
  const { provider, spans } = memoryProvider();
  api.trace.setGlobalTracerProvider(provider);
  const dir = dirs.make();
  const c = parseConfig(
    `targets: [ { name: local, engine: postgres, environment: test, upstream: { host: db.internal, port: 6543, database: test }, logins: [ { user: app } ] } ]
audit: { file: ${join(dir, 'audit.jsonl')} }`,
    dir,
  );
  const tracer = new StatementTracer(
    api,
    () => tracing,
    (name) => c.targets.find((t) => t.name === name)?.upstream,
  );
  const sink = await openAuditSinks(c.audit, pino({ level: 'silent' }), 0, { observers: [tracer] });
  for (const e of eventStream('t', 2, 5)) await sink.write(e);
  await sink.close();
  return spans;
}

describe('OpenTelemetry spans from the audit events', () => {
  it('makes a session span and a child span per statement string, with the database conventions', async () => {
    const spans = await run({ statement_text: false });
    const sessions = spans.filter((s) => s.name === 'gatehouse.session');
    expect(sessions).toHaveLength(2);
    for (const s of sessions) {
      expect(s.kind).toBe(api.SpanKind.SERVER);
      expect(s.end).toBeGreaterThanOrEqual(s.start!);
      expect(s.attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.namespace': 'test',
        'server.address': 'db.internal',
        'server.port': 6543,
        'gatehouse.target': expect.any(String),
        'gatehouse.session.end_reason': 'client_closed',
      });
    }
    const statements = spans.filter((s) => s.name !== 'gatehouse.session');
    expect(statements).toHaveLength(10);
    for (const s of statements) {
      expect(sessions).toContain(s.parent);
      expect(s.kind).toBe(api.SpanKind.CLIENT);
      expect(s.end).toBeGreaterThanOrEqual(s.start!);
      expect(s.attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.operation.name': expect.any(String),
        'gatehouse.decision': expect.any(String),
      });
      expect(s.name).toBe(
        `${String(s.attributes['db.operation.name'])} ${String(s.parent!.attributes['gatehouse.target'])}`,
      );
      expect(s.attributes).not.toHaveProperty('db.query.text');
    }
    const denied = statements.filter((s) => s.attributes['gatehouse.decision'] === 'deny');
    expect(denied.length).toBeGreaterThan(0);
    for (const s of denied) expect(s.status).toMatchObject({ code: api.SpanStatusCode.ERROR });
    const reads = statements.filter((s) => s.attributes['db.operation.name'] === 'SELECT');
    expect(reads.every((s) => typeof s.attributes['db.response.returned_rows'] === 'number')).toBe(true);
  });

  it('puts the normalised text, never the client text, in db.query.text when asked', async () => {
    const spans = await run({ statement_text: true });
    const texts = spans.flatMap((s) =>
      s.attributes['db.query.text'] === undefined ? [] : [String(s.attributes['db.query.text'])],
    );
    expect(texts).toHaveLength(10);
    expect(texts.every((t) => t.endsWith(' ...'))).toBe(true); // the analyser's text in the stream
    expect(texts.join()).not.toContain('not recorded'); // the client's text in the stream
  });

  it.each([
    ['without an SDK, records nothing and keeps no state', false, 0],
    ['with an SDK, tracks each open session', true, 3],
  ])('%s', async (_label, sdk, open) => {
    const { provider, spans } = memoryProvider();
    if (sdk) api.trace.setGlobalTracerProvider(provider);
    const dir = dirs.make();
    const c = parseConfig(
      `targets: [ { name: local, engine: postgres, environment: test, upstream: { host: h, database: test }, logins: [ { user: app } ] } ]\naudit: { file: ${join(dir, 'audit.jsonl')} }`,
      dir,
    );
    const tracer = new StatementTracer(
      api,
      () => ({ statement_text: true }),
      () => undefined,
    );
    const sink = await openAuditSinks(c.audit, pino({ level: 'silent' }), 0, { observers: [tracer] });
    // Everything but the session ends.
    for (const e of eventStream('n', 3, 4).filter((e) => e.type !== 'session.end')) await sink.write(e);
    await sink.close();
    expect(tracer.openSessions).toBe(open);
    expect(spans.length > 0).toBe(sdk);
  });
});
