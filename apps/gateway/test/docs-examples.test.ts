import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../src/config';
import { tempDir } from '../src/testing/test-support';

/**
 * Every YAML example in the user docs must be accepted by the real loader:
 * complete files as they are, fragments merged over a minimal config. Files
 * they reference are created empty (only their existence is checked at load).
 */
const DOCS = ['configuration.md', 'identity.md'];
const MINIMAL = {
  targets: [{ name: 'local', engine: 'postgres', environment: 'development', upstream: { host: '127.0.0.1', database: 'test' }, logins: [{ user: 'postgres' }] }],
};

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe.each(DOCS)('docs/%s examples', (doc) => {
  const text = readFileSync(join(__dirname, '../../../docs', doc), 'utf8');
  const blocks = yamlBlocks(text);

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('example %i loads', (_i, block) => {
    const tmp = tempDir();
    try {
      for (const [, file] of block.matchAll(/(\.\/[\w./-]+\.(?:pem|crt|key|json))/g)) {
        mkdirSync(dirname(join(tmp.dir, file!)), { recursive: true });
        writeFileSync(join(tmp.dir, file!), '{"keys":[]}');
      }
      const data = parse(block) as Record<string, unknown>;
      const full = block.startsWith('# gatehouse.yaml') ? data : { ...MINIMAL, ...data };
      expect(() => parseConfig(stringify(full), tmp.dir)).not.toThrow();
    } finally {
      tmp.cleanup();
    }
  });
});

it('the repository example is the one documented as complete', () => {
  const documented = yamlBlocks(readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8')).find((b) => b.startsWith('# gatehouse.yaml'))!;
  const example = readFileSync(join(__dirname, '../../../gatehouse.example.yaml'), 'utf8');
  expect(parse(documented)).toEqual(parse(example));
});
