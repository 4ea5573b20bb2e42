import { parseConfig } from '../config';
import { restartOnlyChanges } from './restart-only-changes';

const BASE = `
targets:
  - { name: prod, engine: postgres, environment: production, upstream: { host: 127.0.0.1, database: app }, logins: [ { user: app } ] }
`;
const APPROVALS = `approvals:
  redis: redis://127.0.0.1:6379
  approvers: [dba]
`;
const load = (extra: string) => parseConfig(`${BASE}${extra}`, '/srv');

describe('restartOnlyChanges: approvals', () => {
  const before = load(APPROVALS);

  // [what changes, the approvals section after, keys named]
  const CASES: [string, string, string[]][] = [
    ['nothing', APPROVALS, []],
    ['the Redis URL', APPROVALS.replace('6379', '6380'), ['approvals.redis']],
    ['the key prefix', `${APPROVALS}  key_prefix: team-b\n`, ['approvals.key_prefix']],
    [
      'a webhook',
      `${APPROVALS}  webhooks: [ { name: a, url: "https://hooks.example.com/x" } ]\n`,
      ['approvals.webhooks'],
    ],
    ['notification retries', `${APPROVALS}  notifications: { attempts: 2 }\n`, ['approvals.notifications']],
    ['retention', `${APPROVALS}  retention: 1d\n`, ['approvals.retention']],
    [
      'Redis timeouts',
      `${APPROVALS}  connect_timeout: 3s\n  command_timeout: 3s\n  recheck_interval: 2s\n`,
      ['approvals.connect_timeout', 'approvals.command_timeout', 'approvals.recheck_interval'],
    ],
    // Read from the running config for every new request: live at once.
    [
      'approvers, required, timeout, grant window',
      `${APPROVALS.replace('[dba]', '[dba, ops]')}  required: 2\n  timeout: 1h\n  grant_window: 0s\n`,
      [],
    ],
    ['the section removed', '', ['approvals']],
  ];

  it.each(CASES)('%s', (_label, after, keys) => {
    expect(restartOnlyChanges(before, load(after))).toEqual(keys);
  });

  it('names the section when it is added', () => {
    expect(restartOnlyChanges(load(''), before)).toEqual(['approvals']);
  });
});
