import pino from 'pino';
import {
  createPostgresDataFlowAnalyser,
  planColumnMask,
  type MaskPlan,
  type PostgresDataFlowAnalyser,
  type SessionContext,
  type StatementEvent,
} from '@gatehouse/sql-core';
import type { MaskingConfig } from '../config';
import { ConfiguredMaskPlanner } from './configured-mask-planner';

const logger = pino({ level: 'silent' });
let dataFlow: PostgresDataFlowAnalyser;
beforeAll(async () => {
  dataFlow = await createPostgresDataFlowAnalyser();
});

const CONFIG: MaskingConfig = {
  auto: true,
  unmasked_groups: ['dba'],
  strict_groups: ['agents'],
  columns: [{ table: 'public.orders', column: 'reference', mask: 'redact' }],
  key_env: null,
  deterministic: false,
  value_scan: 'unclassified',
};

function event(sql: string, groups: string[]): StatementEvent {
  const session = {
    id: 's1',
    identity: { subject: 'x', groups, authMethod: 'service_token', issuer: 't' },
    target: { name: 'prod', engine: 'postgres', environment: 'production' },
    database: 'app',
    clientAddress: '127.0.0.1:1',
    clientUser: 'x',
    tls: false,
    logger,
  } as unknown as SessionContext;
  return { session, seq: 1, sql, source: 'simple', inTransaction: false };
}

function planner(config: MaskingConfig = CONFIG, env: NodeJS.ProcessEnv = {}): ConfiguredMaskPlanner {
  return new ConfiguredMaskPlanner({ config: () => config, env, dataFlow, logger });
}

describe('ConfiguredMaskPlanner', () => {
  it('plans nothing for unmasked groups', () => {
    expect(planner().plan(event('select email from users', ['dba', 'dev']), [])).toBeNull();
  });

  it('gives masked identities the configured plan with the statement lineage', () => {
    const plan = planner().plan(event('select lower(email) from users; select 1', ['dev']), []) as MaskPlan;
    expect(plan.rules).toEqual([{ table: 'public.orders', column: 'reference', mask: 'redact' }]);
    expect(plan.statements?.map((s) => s.outputs?.[0]?.sources)).toEqual([
      [{ table: 'users', column: 'email' }],
      [],
    ]);
    const d = planColumnMask(plan, {
      table: 'public.orders',
      column: 'reference',
      type: 'text',
      lineage: 'direct',
    });
    expect(d?.masker('ORD-1')).toBe('****');
  });

  it('denies side channels for masked identities and oracles for strict groups', () => {
    expect(planner().plan(event("select pg_notify('c', ssn) from users", ['dev']), [])).toEqual({
      ruleId: 'masking-side-channel',
      deny: 'pg_notify would pass users.ssn on unmasked',
    });
    expect(planner().plan(event("select id from users where ssn = '1'", ['dev']), [])).not.toHaveProperty(
      'deny',
    );
    expect(planner().plan(event("select id from users where ssn = '1'", ['agents']), [])).toMatchObject({
      ruleId: 'masking-strict',
    });
    expect(planner().plan(event("update users set ssn = '***-**-1234'", ['dba']), [])).toBeNull();
  });

  it("traces a statement once for all its constants (the analyser's normalised text is the key)", async () => {
    const { createPostgresAnalyser } = await import('@gatehouse/sql-core');
    const analyser = await createPostgresAnalyser();
    const p = planner();
    const planOf = (sql: string): MaskPlan =>
      p.plan(event(sql, ['dev']), analyser.analyse(sql).statements) as MaskPlan;
    const a = planOf('select email from users where id = 41');
    const b = planOf('select email from users where id = 42');
    expect(b.statements).toBe(a.statements);
    expect(planOf('select email from users where id = 42 order by 1').statements).not.toBe(a.statements);
  });

  it('reads the live configuration: a reload applies to the next statement', () => {
    let config = CONFIG;
    const p = new ConfiguredMaskPlanner({ config: () => config, env: {}, dataFlow, logger });
    expect(p.plan(event('select 1', ['ops']), [])).not.toBeNull();
    config = { ...CONFIG, unmasked_groups: ['ops'] };
    expect(p.plan(event('select 1', ['ops']), [])).toBeNull();
  });

  it('masks nothing with auto off and no rules; only the rules with auto off', () => {
    expect(planner({ ...CONFIG, auto: false, columns: [] }).plan(event('select 1', ['dev']), [])).toBeNull();
    const plan = planner({ ...CONFIG, auto: false }).plan(event('select 1', ['dev']), []) as MaskPlan;
    expect(
      planColumnMask(plan, { table: 'users', column: 'email', type: 'text', lineage: 'direct' }),
    ).toBeNull();
  });

  it('takes the deterministic key from the environment variable the config names', () => {
    const config = { ...CONFIG, key_env: 'GH_MASK_KEY', deterministic: true };
    const key = 'k'.repeat(32);
    const a = planner(config, { GH_MASK_KEY: key }).plan(event('select 1', ['dev']), []) as MaskPlan;
    expect(a.options.key).toBe(key);
    expect(a.options.deterministic).toBe(true);
    const email = (p: MaskPlan): string =>
      planColumnMask(p, { table: 'users', column: 'email', type: 'text', lineage: 'direct' })?.masker(
        'jane@example.com',
      ) ?? '';
    expect(email(a)).toMatch(/@example\.com$/);
    expect(email(a)).not.toBe('j***@example.com');
    // Missing (or too short) key: the regular masks apply.
    const b = planner(config, { GH_MASK_KEY: 'short' }).plan(event('select 1', ['dev']), []) as MaskPlan;
    expect(b.options.deterministic).toBe(false);
    expect(email(b)).toBe('j***@example.com');
  });
});
