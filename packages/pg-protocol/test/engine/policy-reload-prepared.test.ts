import { compilePolicy } from '@gatehouse/sql-core';
import { outcome, startPolicyGateway, type PolicyGateway } from './policy-fixture';

describe('statements prepared before a policy reload', () => {
  let p: PolicyGateway;
  beforeAll(async () => {
    p = await startPolicyGateway('pr');
  });
  afterAll(() => p.stop());

  it('a protocol-level named statement prepared under old rules is judged by the new rules after a reload', async () => {
    const alice = await p.client();
    const open = p.tables.open;
    await alice.query({ name: 'gh_ins', text: `insert into ${open} values ($1)`, values: [1] });
    const rules = p.policy.rules.filter((r) => r.id !== 'dev-writes').map(({ index: _i, ...r }) => r);
    p.gw.pipeline.setPolicy(compilePolicy(rules));
    try {
      // node-postgres re-uses the named statement: only Bind/Execute/Sync go out.
      expect(
        await outcome(alice.query({ name: 'gh_ins', text: `insert into ${open} values ($1)`, values: [2] })),
      ).toMatch(/^42501: /);
    } finally {
      p.gw.pipeline.setPolicy(p.policy);
    }
    expect(await p.ids(open)).toEqual([1]);
    // Under the rules that allow it again, the same named statement runs without being prepared again.
    expect(
      await outcome(alice.query({ name: 'gh_ins', text: `insert into ${open} values ($1)`, values: [3] })),
    ).toBe('ok');
    expect(await p.ids(open)).toEqual([1, 3]);
  });
});
