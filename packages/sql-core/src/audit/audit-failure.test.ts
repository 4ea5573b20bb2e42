import pino from 'pino';
import { GatewayError } from '../errors/gateway-error';
import type { AuditEvent } from './audit-event';
import { recordAuditEvent } from './audit-failure';
import type { AuditSink } from './audit-sink';
import { sampleEvent } from './testing/audit-fixtures';

/** A sink whose writes fail, as a full disk would make them. */
class BrokenSink implements AuditSink {
  readonly healthy = false;
  async write(_event: AuditEvent): Promise<void> {
    throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  }
  async close(): Promise<void> {}
}

describe('recordAuditEvent', () => {
  const logged: unknown[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });

  beforeEach(() => {
    logged.length = 0;
  });

  it('refuse: throws audit_unavailable, so the statement is refused', async () => {
    const err = await recordAuditEvent(new BrokenSink(), sampleEvent(1), 'refuse', logger).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'audit_unavailable' });
    expect(logged).toHaveLength(1);
  });

  it('allow: logs loudly and lets the caller continue', async () => {
    await expect(recordAuditEvent(new BrokenSink(), sampleEvent(1), 'allow', logger)).resolves.toBe(false);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 50,
        event: 'statement.outcome',
        session: 'ses_test',
        msg: expect.stringMatching(/AUDIT RECORD LOST/),
      }),
    ]);
  });

  it('resolves true once written', async () => {
    const events: AuditEvent[] = [];
    const sink: AuditSink = { healthy: true, write: async (e) => void events.push(e), close: async () => {} };
    await expect(recordAuditEvent(sink, sampleEvent(1), 'refuse', logger)).resolves.toBe(true);
    expect(events).toHaveLength(1);
  });
});
