import fc from 'fast-check';
import type { ApprovalEvent } from '../approval-event';
import type { ApprovalRequest } from '../approval-request';
import { buildNotification, slackText, webhookBody } from './approval-notification';

function requestWith(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'apr_01JAAAAAAAAAAAAAAAAAAAAAAA',
    status: 'pending',
    requester: { subject: 'ci-bot', groups: ['ci'] },
    target: { name: 'prod', engine: 'postgres', environment: 'production' },
    database: 'app',
    statement: {
      normalized: 'ALTER TABLE users ADD COLUMN flag boolean DEFAULT $1',
      fingerprint: 'fp1',
      textHash: 'ab'.repeat(32),
      statements: [
        {
          kind: 'ddl',
          command: 'ALTER TABLE',
          normalized: 'ALTER TABLE users ADD COLUMN flag boolean DEFAULT $1',
          fingerprint: 'fp1',
          tablesRead: [],
          tablesWritten: ['public.users'],
          guardrails: ['ddl-lock'],
        },
      ],
    },
    ruleId: 'ci-ddl-prod',
    reason: 'DDL on production',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:15:00.000Z',
    decidedAt: null,
    executedAt: null,
    required: 2,
    approvals: 0,
    approverGroups: ['dba'],
    decisions: [],
    history: [],
    holder: { instance: 'gw', run: 'r' },
    grantWindowMs: 0,
    sessionId: null,
    ...overrides,
  };
}

function event(
  type: ApprovalEvent['type'],
  request: ApprovalRequest,
  actor: string | null,
  reason: string | null,
): ApprovalEvent {
  return {
    type,
    approvalId: request.id,
    at: '2026-01-01T00:01:00.000Z',
    actor: actor ? { subject: actor, groups: ['dba'] } : null,
    reason,
    request,
  };
}

describe('approval notifications', () => {
  it('carries the facts an approver needs and how to approve', () => {
    const n = buildNotification(
      event('requested', requestWith(), 'ci-bot', 'DDL on production'),
      'https://gh.example.com//',
    );
    expect(n).toMatchObject({
      event: 'requested',
      requester: 'ci-bot',
      statement: { kinds: ['ddl'], tablesWritten: ['public.users'], guardrails: ['ddl-lock'] },
      howToApprove: {
        cli: 'gatehouse approvals approve apr_01JAAAAAAAAAAAAAAAAAAAAAAA',
        api: 'POST /v1/approvals/apr_01JAAAAAAAAAAAAAAAAAAAAAAA/approve',
        url: 'https://gh.example.com/v1/approvals/apr_01JAAAAAAAAAAAAAAAAAAAAAAA',
      },
    });
    expect(buildNotification(event('requested', requestWith(), null, null)).howToApprove.url).toBeUndefined();
  });

  it('cuts very long SQL', () => {
    const long = `SELECT ${'a, '.repeat(2000)}b`;
    const n = buildNotification(
      event(
        'requested',
        requestWith({ statement: { ...requestWith().statement, normalized: long } }),
        null,
        null,
      ),
    );
    expect(n.statement.normalized.length).toBe(2001);
    expect(n.statement.normalized.endsWith('…')).toBe(true);
  });

  it('formats Slack text with progress, decider and escaping', () => {
    const pending = slackText(
      buildNotification(event('approved', requestWith({ approvals: 1 }), 'bob', 'ok <b>')),
    );
    expect(pending).toContain('*Approved* `apr_01JAAAAAAAAAAAAAAAAAAAAAAA` (1 of 2)');
    expect(pending).toContain('By bob: ok &lt;b&gt;');
    expect(pending).toContain('gatehouse approvals approve');
    const denied = slackText(
      buildNotification(event('denied', requestWith({ status: 'denied' }), 'bob', 'freeze')),
    );
    expect(denied).toContain('*Denied*');
    expect(denied).not.toContain('gatehouse approvals approve');
    expect(
      JSON.parse(webhookBody(buildNotification(event('expired', requestWith(), null, null)), 'slack')),
    ).toEqual({
      text: expect.stringContaining('*Expired*'),
    });
  });

  it('never lets user text open a Slack link or mention, nor close the code block', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (sql, reason) => {
        const r = requestWith({ statement: { ...requestWith().statement, normalized: sql } });
        const text = slackText(buildNotification(event('denied', r, 'bob', reason)));
        const block = text.slice(text.indexOf('```') + 3, text.lastIndexOf('```'));
        return !text.includes('<') && !text.includes('>') && !block.includes('```');
      }),
    );
  });
});
