import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { columnShapeOf, createMaskPlan, planColumnMask } from '../../src/masking';

/** Every `| `table.column` | `type` | `value` | `masked` |` row of docs/masking.md, under the default plan. */
const DOC = readFileSync(join(__dirname, '../../../../docs/masking.md'), 'utf8');
const ROW = /^\|\s*`([^`]+)\.([^`.]+)`\s*\|\s*`([^`]+)`\s*\|\s*`([^`]*)`\s*\|\s*`([^`]*)`\s*\|$/;
const rows = DOC.split('\n')
  .map((line) => ROW.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => m.slice(1) as [string, string, string, string, string]);

describe('docs/masking.md examples', () => {
  const plan = createMaskPlan();

  it('has examples to check', () => {
    expect(rows.length).toBeGreaterThan(40);
  });

  it.each(rows)('%s.%s (%s): %s', (table, column, type, value, masked) => {
    const decision = planColumnMask(plan, { table, column, ...columnShapeOf(type), lineage: 'direct' });
    expect(decision === null ? value : decision.masker(value)).toBe(masked);
  });
});
