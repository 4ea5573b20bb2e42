import { compilePolicy } from '@gatehouse/sql-core';
import {
  BackendCode,
  decodeErrorFields,
  encodeBind,
  encodeClose,
  encodeExecute,
  encodeParse,
  encodeQuery,
  encodeSync,
} from '../../src/codec';
import { policyRules, startPolicyGateway, type PolicyGateway } from './policy-fixture';
import { RawClient } from './wire';

/**
 * PostgreSQL keeps protocol-level (Parse) and SQL-level (PREPARE) statements
 * in one namespace: SQL `EXECUTE q` runs whichever was prepared last under q,
 * so it must be judged as that statement.
 */
describe('SQL EXECUTE of a statement prepared by the protocol', () => {
  let p: PolicyGateway;

  beforeAll(async () => {
    p = await startPolicyGateway('execproto');
  });
  afterAll(() => p.stop());
  beforeEach(async () => {
    p.gw.pipeline.setPolicy(p.policy);
    await p.reset();
    await p.direct.query(`insert into ${p.tables.open} values (1, 'a'), (2, 'b'), (3, 'c')`);
  });

  async function errors(c: RawClient, message: Buffer): Promise<string[]> {
    c.socket.write(message);
    const received = [...(await c.until(BackendCode.ReadyForQuery))];
    c.take();
    return received
      .filter((m) => m.code === BackendCode.ErrorResponse)
      .map((m) => decodeErrorFields(m.payload).message);
  }

  it('is judged as the Parse that replaced a SQL PREPARE of the same name, under the policy of the day', async () => {
    const t = p.tables.open;
    const c = await RawClient.login(p.gw.port);
    expect(await errors(c, encodeQuery('prepare q as select 1'))).toEqual([]);
    expect(await errors(c, Buffer.concat([encodeClose('S', 'q'), encodeSync()]))).toEqual([]);
    expect(
      await errors(c, Buffer.concat([encodeParse('q', `delete from ${t} where id = 1`), encodeSync()])),
    ).toEqual([]);
    // Writes are no longer allowed.
    p.gw.pipeline.setPolicy(
      compilePolicy((policyRules(p.tables) as { id: string }[]).filter((r) => r.id !== 'dev-writes')),
    );
    const bind = encodeBind('', 'q', [], [], []);
    expect(await errors(c, Buffer.concat([bind, encodeExecute(''), encodeSync()]))).toEqual([
      expect.stringMatching(/^gatehouse: .*the policy changed since this statement was prepared/),
    ]);
    // The SQL EXECUTE of the same statement is the DELETE too: denied, nothing deleted.
    expect(await errors(c, encodeQuery('execute q'))).toEqual([expect.stringMatching(/^gatehouse: /)]);
    expect(await p.ids(t)).toEqual([1, 2, 3]);
    c.socket.end();
  });

  it('is unknown (denied) once the protocol closed the statement, and allowed as what it is while it stands', async () => {
    const t = p.tables.open;
    const c = await RawClient.login(p.gw.port);
    expect(
      await errors(c, Buffer.concat([encodeParse('w', `delete from ${t} where id = 2`), encodeSync()])),
    ).toEqual([]);
    // dev may write this table: EXECUTE runs the DELETE it is.
    expect(await errors(c, encodeQuery('execute w'))).toEqual([]);
    expect(await p.ids(t)).toEqual([1, 3]);
    expect(await errors(c, Buffer.concat([encodeClose('S', 'w'), encodeSync()]))).toEqual([]);
    expect(await errors(c, encodeQuery('execute w'))).toEqual([
      expect.stringMatching(/^gatehouse: /),
    ]);
    c.socket.end();
  });
});
