import {
  authFailedEvent,
  sessionEndEvent,
  sessionStartEvent,
  statementOutcomeEvent,
} from '@gatehouse/sql-core';
import { AuditMetricsObserver, GatewayMetrics } from '../src/metrics';
import { metricValue } from './audit/gateway-kit';
import { sessionContext } from './audit/event-stream';

/** The metrics observer on events the engine produces but an end-to-end run cannot easily provoke. */
describe('metrics from audit events', () => {
  const setup = (refuse = true) => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const observer = new AuditMetricsObserver(metrics, () => new Set(['local', 'prod']), refuse);
    const seen = (event: Parameters<AuditMetricsObserver['observe']>[0]['event'], written = true, at = 100) =>
      observer.observe({ event, receivedAt: at, settledAt: at + 0.2, written });
    return { metrics, seen, text: () => metrics.registry.metrics() };
  };
  const failure = (reason: 'upstream_unavailable' | 'auth_failed', target: string | null) =>
    authFailedEvent({
      claimedUser: 'u',
      reason,
      detail: 'd',
      clientAddress: '127.0.0.1:1',
      engine: 'postgres',
      target,
      tls: false,
    });

  it('counts upstream connect failures by configured target, and folds anything else into other', async () => {
    const { seen, text } = setup();
    seen(failure('upstream_unavailable', 'prod/analytics'));
    seen(failure('upstream_unavailable', 'prod'));
    seen(failure('upstream_unavailable', 'made-up-by-the-client'));
    seen(failure('auth_failed', 'prod'));
    const t = await text();
    expect(metricValue(t, 'gatehouse_upstream_connect_failures_total', { target: 'prod' })).toBe(2);
    expect(metricValue(t, 'gatehouse_upstream_connect_failures_total', { target: 'other' })).toBe(1);
    expect(metricValue(t, 'gatehouse_auth_failures_total', { reason: 'auth_failed' })).toBe(1);
    expect(t).not.toContain('made-up-by-the-client');
  });

  it.each([
    [true, 0],
    [false, 1],
  ])(
    'counts a session whose start was not written only when it ran anyway (refuse %s)',
    async (refuse, open) => {
      const { seen, text } = setup(refuse);
      seen(sessionStartEvent(sessionContext('ses_x', 'alice'), 'app'), false);
      expect(metricValue(await text(), 'gatehouse_sessions_open', { target: 'local' }) ?? 0).toBe(open);
    },
  );

  it('counts masked values and the detectors that fired', async () => {
    const { seen, text } = setup();
    const ctx = sessionContext('ses_m', 'alice');
    seen(sessionStartEvent(ctx, 'app'));
    seen(
      statementOutcomeEvent(ctx, 1, {
        rowsReturned: 5,
        rowsAffected: null,
        sqlstate: null,
        durationMs: 3,
        masked: [
          { column: 'email', table: 'public.users', detectors: ['email', 'name:email'], values: 5 },
          { column: 'card', table: null, detectors: ['luhn'], values: 2 },
        ],
      }),
    );
    seen(
      sessionEndEvent(ctx, {
        upstreamUser: 'app',
        reason: 'client_closed',
        bytesIn: 1,
        bytesOut: 1,
        durationMs: 9,
        statements: 1,
      }),
    );
    const t = await text();
    expect(metricValue(t, 'gatehouse_masked_values_total')).toBe(7);
    expect(metricValue(t, 'gatehouse_masked_columns_total', { detector: 'name:email' })).toBe(1);
    expect(metricValue(t, 'gatehouse_masked_columns_total', { detector: 'luhn' })).toBe(1);
    expect(metricValue(t, 'gatehouse_sessions_open', { target: 'local' })).toBe(0);
    expect(metricValue(t, 'gatehouse_statement_duration_seconds_count', { status: 'ok' })).toBe(1);
  });

  it('reads approvals pending from the source the approvals wiring registers', async () => {
    const { metrics, text } = setup();
    expect(metricValue(await text(), 'gatehouse_approvals_pending')).toBe(0);
    metrics.setApprovalsPendingSource(async () => 4);
    expect(metricValue(await text(), 'gatehouse_approvals_pending')).toBe(4);
    metrics.setApprovalsPendingSource(() => {
      throw new Error('redis down');
    });
    expect(metricValue(await text(), 'gatehouse_approvals_pending')).toBe(4);
  });
});
