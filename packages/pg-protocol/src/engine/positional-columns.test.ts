import type { OutputColumn } from '@gatehouse/sql-core';
import type { AttributeInfo, RelationInfo } from './catalog-queries';
import { columnAt, resolvePositions } from './positional-columns';

/** A relation with these columns at these attribute numbers (gaps: dropped columns). */
function relation(oid: number, columns: Readonly<Record<number, string>>): RelationInfo {
  const attributes = new Map<number, AttributeInfo>(
    Object.entries(columns).map(([n, name]) => [Number(n), { name, typeOid: 25, typeModifier: -1 }]),
  );
  return {
    oid,
    qualified: `app.t${oid}`,
    kind: 'r',
    attributes,
    viewOutputs: null,
    viewNames: null,
    relationNames: null,
  };
}

const users = relation(1, { 1: 'id', 2: 'email', 4: 'name' });
const other = relation(2, { 1: 'id', 2: 'plain', 3: 'name' });

const column = (position: number, lineage: OutputColumn['lineage'] = 'derived'): OutputColumn => ({
  name: 'v',
  lineage,
  sources: [{ table: 'users', column: '*', position }],
});

describe('columns renamed by position', () => {
  it('counts columns by attribute number, dropped ones left out', () => {
    expect([1, 2, 3, 4].map((k) => columnAt(users, k))).toEqual(['id', 'email', 'name', undefined]);
  });

  it('resolves a position to the column there', () => {
    expect(resolvePositions(column(3), () => [users])).toEqual({
      name: 'v',
      lineage: 'derived',
      sources: [{ table: 'users', column: 'name' }],
    });
    expect(resolvePositions(column(2, 'direct'), () => [users]).lineage).toBe('direct');
  });

  it('computes from every candidate where relations of that name disagree, redacted whole', () => {
    expect(resolvePositions(column(2, 'direct'), () => [users, other])).toEqual({
      name: 'v',
      lineage: 'derived',
      sources: [
        { table: 'users', column: 'email' },
        { table: 'users', column: 'plain' },
      ],
      transformed: true,
    });
    // Where they agree, the column is that one.
    expect(resolvePositions(column(1, 'direct'), () => [users, other]).sources).toEqual([
      { table: 'users', column: 'id' },
    ]);
  });

  it('leaves a position nothing resolves as it is (any column of the row)', () => {
    expect(resolvePositions(column(3), () => null)).toEqual(column(3));
    expect(resolvePositions(column(9), () => [users])).toEqual(column(9));
  });
});
