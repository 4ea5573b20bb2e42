import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../src/config';
import { tempDir } from '../../src/testing/test-support';

/** docs/approvals.md: its YAML examples load with the real config loader (merged over a minimal config). */
const MINIMAL = {
  targets: [
    {
      name: 'local',
      engine: 'postgres',
      environment: 'production',
      upstream: { host: '127.0.0.1', database: 'test' },
      logins: [{ user: 'postgres' }],
    },
  ],
};

const text = readFileSync(join(__dirname, '../../../../docs/approvals.md'), 'utf8');
const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('docs/approvals.md has YAML examples', () => {
  expect(blocks.length).toBeGreaterThan(0);
});

it.each(blocks.map((b, i) => [i, b] as const))('docs/approvals.md example %i loads', (_i, block) => {
  const tmp = tempDir();
  try {
    const config = parseConfig(
      stringify({ ...MINIMAL, ...(parse(block) as Record<string, unknown>) }),
      tmp.dir,
    );
    expect(config.approvals ?? config.policy.rules.length).toBeTruthy();
  } finally {
    tmp.cleanup();
  }
});
