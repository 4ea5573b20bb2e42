import { createMaskPlan } from './mask-plan';
import type { ResultColumn } from './mask-plan';
import { planRowJsonMask, type RowKeys } from './row-json-keys';

/**
 * Whole rows as JSON masked key by key by lineage: `handle` and `reach` name
 * nothing, but come from users.name and users.email.
 */
const plan = createMaskPlan({ rules: [{ table: 'app.orders', column: 'reference', mask: 'redact' }] });
const row = (table: string): ResultColumn => ({
  table: null,
  column: 'row_to_json',
  type: 'json',
  lineage: 'row',
  sources: [{ table, column: '*' }],
});

const VIEW: RowKeys = (key) => {
  switch (key) {
    case 'handle':
      return { sources: [{ table: 'app.users', column: 'name' }] };
    case 'reach':
      return { sources: [{ table: 'app.users', column: 'email' }] };
    case 'mixed':
      return { sources: [{ table: 'app.users', column: 'email' }], transformed: true };
    case 'ref':
      return { sources: [{ table: 'app.orders', column: 'reference' }] };
    case 'phone_ish':
      return { sources: [{ table: 'app.users', column: 'phone' }] };
    default:
      return null;
  }
};

function mask(text: string, keys: RowKeys = VIEW, table = 'app.c3'): string {
  const d = planRowJsonMask(plan, row(table), keys);
  if (d === null) throw new Error('no mask');
  expect(d.kind).toBe('row');
  return d.masker(text);
}

describe('whole rows as JSON, key by key by lineage', () => {
  it('masks a key by the column it comes from, whatever the view calls it', () => {
    expect(mask('{"id":1,"handle":"jane doe","reach":"jane.doe@example.com"}')).toBe(
      '{"id":1,"handle":"j***","reach":"j***@example.com"}',
    );
  });

  it('masks the rows of an aggregate (an array of rows) the same way', () => {
    expect(mask('[{"id": 1, "handle": "jane doe"}, {"id": 2, "handle": "bob stone"}]')).toBe(
      '[{"id": 1, "handle": "j***"}, {"id": 2, "handle": "b***"}]',
    );
  });

  it('redacts a transformed key whole, and applies explicit rules of the source column', () => {
    expect(mask('{"mixed":"jane.doe@example.com","ref":"ORD-1"}')).toBe('{"mixed":"****","ref":"****"}');
  });

  it('masks numbers by the source column too', () => {
    expect(mask('{"phone_ish":4155552671}')).toBe('{"phone_ish":2671}');
  });

  it('keys the lineage does not trace: classified by their own names, other values scanned, as before', () => {
    expect(mask('{"email":"jane@example.com","note":"mail jane@example.com","id":7}')).toBe(
      '{"email":"j***@example.com","note":"mail j***@example.com","id":7}',
    );
  });

  it('only the row objects use the lineage: a nested key of the same name is classified by its own name', () => {
    expect(mask('{"id":1,"profile":{"handle":"jane doe"}}')).toBe('{"id":1,"profile":{"handle":"jane doe"}}');
  });

  it('hides a value that is not JSON by scanning it, and plans other columns as before', () => {
    expect(mask('not json jane@example.com')).toBe('not json j***@example.com');
    const text: ResultColumn = { table: 'app.users', column: 'email', type: 'text', lineage: 'direct' };
    expect(planRowJsonMask(plan, text, VIEW)?.kind).toBe('email');
  });
});
