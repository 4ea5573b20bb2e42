import type { PolicyInput, StatementFacts } from '@gatehouse/sql-core';
import { parseConfig } from '../../src/config';
import { compileConfiguredPolicy } from '../../src/runtime/statement-pipeline';

const CONFIG = `
targets:
  - { name: prod, engine: postgres, environment: production, upstream: { host: 127.0.0.1, database: app }, logins: [ { user: app } ] }
policy:
  rules:
    - { id: ci-ddl-prod, when: { groups: [ci], environment: production, kinds: [ddl] }, action: review, approvers: [dba], required: 2, grant: true }
    - { id: dev-writes, when: { kinds: [write] }, action: review, grant: false }
    - { id: reads, when: { kinds: [read] }, action: allow }
`;

function input(groups: string[], kind: StatementFacts['kind'], command: string): PolicyInput {
  return {
    identity: { subject: 'ci-bot', groups, authMethod: 'service_token', issuer: 'test' },
    target: { name: 'prod', engine: 'postgres', environment: 'production' },
    database: 'app',
    facts: {
      kind,
      command,
      tablesRead: [],
      tablesWritten: [{ schema: 'public', name: 't' }],
      columns: [],
      functions: [],
      guardrails: [],
      fingerprint: '0',
      normalized: command,
    },
  };
}

describe('policy rules from the config file', () => {
  it('carry grant from the config through the compiler into review verdicts', () => {
    const policy = compileConfiguredPolicy(parseConfig(CONFIG, '/srv/gatehouse'));
    expect(policy.rules.map((r) => [r.id, r.grant])).toEqual([
      ['ci-ddl-prod', true],
      ['dev-writes', false],
      ['reads', undefined],
    ]);
    expect(policy.evaluate(input(['ci'], 'ddl', 'CREATE TABLE'))).toEqual({
      action: 'review',
      ruleId: 'ci-ddl-prod',
      reason: 'CREATE TABLE on public.t requires approval',
      approvers: ['dba'],
      required: 2,
      grant: true,
    });
    expect(policy.evaluate(input(['dev'], 'write', 'INSERT'))).toMatchObject({
      ruleId: 'dev-writes',
      grant: false,
    });
    expect(policy.evaluate(input(['dev'], 'read', 'SELECT'))).not.toHaveProperty('grant');
  });
});
