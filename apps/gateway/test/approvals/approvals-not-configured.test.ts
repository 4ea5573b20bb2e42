import { api, connectAs, outcome, startTestGateway, type TestGateway } from './approvals-kit';

/** Without an approvals section: review is a denial that says so, and the routes say so too. */
describe('approvals not configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ withoutApprovals: true });
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  it('denies statements that need review and answers 503 on /v1/approvals', async () => {
    const alice = await connectAs(gw, 'alice');
    try {
      expect(await outcome(alice.client, 'UPDATE gh_apr_nothing SET v = 1 WHERE id = 1')).toEqual({
        code: '42501',
        message:
          'gatehouse: approval required (writes to these tables need review) but approvals are not configured (rule reviewed-writes)',
      });
    } finally {
      await alice.client.end();
    }
    expect(await api(gw, 'bob', 'GET', '/v1/approvals')).toEqual({
      status: 503,
      body: {
        error: 'approvals_not_configured',
        message: 'approvals are not configured on this gateway (no approvals section)',
      },
    });
    expect((await api(gw, 'bob', 'GET', '/v1/approvals/apr_01JD3Z8Q6W5B2V4K9M7N1P0R3S')).status).toBe(503);
  });
});
