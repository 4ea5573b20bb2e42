import pino from 'pino';
import { createPostgresDataFlowAnalyser } from '@gatehouse/sql-core';
import { nameLookup, readNames, readRelations } from './catalog-queries';

/**
 * How catalog answers about names read: a name a statement writes stands
 * for every relation it may (the session's search_path picks), a name a
 * view's definition writes for exactly one of its dependencies, and no name
 * reaches a query as SQL.
 */
beforeAll(async () => {
  await createPostgresDataFlowAnalyser();
});

/** pg_class rows as nameLookup selects them: oid, schema, name, kind. */
const CLASS_ROWS = [
  ['101', 'app', 'contacts', 'v'],
  ['102', 'public', 'contacts', 'r'],
  ['103', 'app', 'x.y', 'v'],
  ['104', 'x', 'y', 'v'],
  ['105', 'pg_temp_7', 'tv', 'v'],
  ['106', 'app', 'users', 'r'],
];

describe('readNames', () => {
  it.each([
    ['app.contacts', [{ oid: 101, view: true }]],
    [
      'contacts',
      [
        { oid: 101, view: true },
        { oid: 102, view: false },
      ],
    ],
    ['users', [{ oid: 106, view: false }]],
    // `x.y` is schema x's y or a relation named "x.y": both.
    [
      'x.y',
      [
        { oid: 103, view: true },
        { oid: 104, view: true },
      ],
    ],
    ['app.x.y', [{ oid: 103, view: true }]],
    ['pg_temp.tv', [{ oid: 105, view: true }]],
    ['tv', [{ oid: 105, view: true }]],
    ['missing', []],
    ['app.missing', []],
  ])('%s', (name, expected) => {
    expect(readNames([name], CLASS_ROWS).get(name)).toEqual(expected);
  });

  it('follows no relation of a name too many schemas share', () => {
    const rows = Array.from({ length: 17 }, (_, i) => [String(200 + i), `s${i}`, 'common', 'v']);
    expect(readNames(['common'], rows).get('common')).toEqual([]);
    expect(readNames(['common'], rows.slice(0, 16)).get('common')).toHaveLength(16);
  });
});

describe('nameLookup', () => {
  it('puts names into the query only as hex, whatever they hold', () => {
    const sql = nameLookup(["a'; drop table users; --", 'b\\c.d']) ?? '';
    expect(sql).not.toContain('drop table');
    expect(sql).not.toContain("a'");
    expect(sql).toContain(Buffer.from("a'; drop table users; --").toString('hex'));
    // Every reading of a dotted name: the whole, and what follows each dot.
    expect(sql).toContain(Buffer.from('d').toString('hex'));
  });

  it('asks nothing for names no relation can have', () => {
    expect(nameLookup(['', 'a\u0000b', 'x'.repeat(200)])).toBeNull();
  });
});

describe('readRelations', () => {
  const logger = pino({ level: 'silent' });
  const rel = (oid: number, schema: string, name: string, def: string): (string | null)[] => [
    String(oid),
    schema,
    name,
    'v',
    def,
  ];

  it("names a view's dependencies as its definition writes them", () => {
    const [info] = readRelations(
      [rel(300, 'app', 'c3', ' SELECT c2.who AS handle FROM c2 JOIN app.users u ON u.id = c2.id;')],
      [['300', '1', 'handle', '25', '-1']],
      [
        // (view, oid, schema, name, kind, visible)
        ['300', '301', 'app', 'c2', 'v', 't'],
        ['300', '302', 'app', 'users', 'r', 'f'],
      ],
      logger,
    );
    expect(info?.viewOutputs?.map((o) => o.sources)).toEqual([[{ table: 'c2', column: 'who' }]]);
    // Tables end lineage: only views are kept.
    expect([...(info?.viewNames ?? [])]).toEqual([
      ['app.c2', 301],
      ['c2', 301],
    ]);
    // Every relation it reads, for columns an alias list in it renames by position.
    expect([...(info?.relationNames ?? [])]).toEqual([
      ['app.c2', 301],
      ['c2', 301],
      ['app.users', 302],
    ]);
  });

  it('keeps no view for a name two of its dependencies answer to', () => {
    const [info] = readRelations(
      [rel(400, 'app', 'v', ' SELECT a FROM x.y, "x.y";')],
      [],
      [
        ['400', '401', 'x', 'y', 'v', 'f'],
        ['400', '402', 'public', 'x.y', 'v', 't'],
      ],
      logger,
    );
    expect(info?.viewNames?.get('x.y')).toBeNull();
    expect(info?.viewNames?.get('public.x.y')).toBe(402);
  });

  it('has no lineage for a definition it cannot trace, and no names for a table', () => {
    const [view, table] = readRelations(
      [rel(500, 'app', 'v', 'not sql at all'), ['501', 'app', 't', 'r', null]],
      [],
      [],
      logger,
    );
    expect(view?.viewOutputs).toBeNull();
    expect(view?.viewNames).toEqual(new Map());
    expect(table?.viewOutputs).toBeNull();
    expect(table?.viewNames).toBeNull();
    expect(table?.relationNames).toBeNull();
  });
});
