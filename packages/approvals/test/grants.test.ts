import { statementTextHash, type ApprovalService } from '../src';
import {
  ALICE,
  DBA_BOB,
  closeAll,
  delay,
  deleteKeys,
  newService,
  prod,
  request,
  uniquePrefix,
} from './helpers';

describe('CI re-execution grants (real Redis)', () => {
  let prefix: string;
  let service: ApprovalService;
  const input = request({ allowGrant: true, grantWindowMs: 400 });
  const query = {
    subject: ALICE.subject,
    target: prod,
    database: 'app',
    fingerprint: 'fp-update-users',
    textHash: statementTextHash(input.sql),
  };

  beforeEach(async () => {
    prefix = uniquePrefix();
    service = newService(prefix, { runWorkers: false });
    await service.start();
  });

  afterEach(async () => {
    await closeAll();
    await deleteKeys(prefix);
  });

  it('records a grant on approval, found within the window and not after', async () => {
    const { id } = await service.create(input);
    expect(await service.findGrant(query)).toBeNull(); // nothing before the approval
    await service.approve(id, DBA_BOB);
    const grant = await service.findGrant(query);
    expect(grant).toMatchObject({
      approvalId: id,
      subject: 'alice',
      database: 'app',
      fingerprint: 'fp-update-users',
      textHash: query.textHash,
    });
    expect(grant?.target).toEqual(prod);
    expect(Date.parse(grant?.expiresAt ?? '') - Date.now()).toBeLessThanOrEqual(400);
    // Reusable within the window: a pipeline may retry more than once.
    expect(await service.findGrant(query)).not.toBeNull();
    await delay(450);
    expect(await service.findGrant(query)).toBeNull();
  });

  it('matches only the same subject, target, database, text and fingerprint', async () => {
    const { id } = await service.create(input);
    await service.approve(id, DBA_BOB);
    expect(await service.findGrant(query)).not.toBeNull();
    expect(await service.findGrant({ ...query, subject: 'mallory' })).toBeNull();
    expect(await service.findGrant({ ...query, target: { name: 'staging' } })).toBeNull();
    expect(await service.findGrant({ ...query, database: 'other' })).toBeNull();
    // Same shape, other literals: another text hash, no grant.
    expect(
      await service.findGrant({ ...query, textHash: statementTextHash(input.sql.replace('42', '43')) }),
    ).toBeNull();
    expect(await service.findGrant({ ...query, fingerprint: 'fp-other' })).toBeNull();
  });

  it('records no grant when the rule does not allow re-execution, or before the last approval', async () => {
    const plain = await service.create(request());
    await service.approve(plain.id, DBA_BOB);
    expect(await service.findGrant(query)).toBeNull();
    const twoOfTwo = await service.create(request({ allowGrant: true, required: 2 }));
    await service.approve(twoOfTwo.id, DBA_BOB);
    expect(await service.findGrant(query)).toBeNull();
    await service.approve(twoOfTwo.id, { subject: 'carol', groups: ['dba'] });
    expect(await service.findGrant(query)).toMatchObject({ approvalId: twoOfTwo.id });
  });

  it('records no grant for a denied request', async () => {
    const { id } = await service.create(input);
    await service.deny(id, { ...DBA_BOB, reason: 'no' });
    expect(await service.findGrant(query)).toBeNull();
  });
});
