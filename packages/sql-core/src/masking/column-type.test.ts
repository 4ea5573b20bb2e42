import { columnShapeOf, columnShapeOfMysqlType, columnShapeOfPgType, isTextual } from './column-type';

describe('column types', () => {
  it.each([
    ['text', { type: 'text' }],
    ['varchar(20)', { type: 'text', length: 20 }],
    ['character varying(20)', { type: 'text', length: 20 }],
    ['char(2)', { type: 'text', length: 2, fixedLength: true }],
    ['timestamptz', { type: 'timestamp' }],
    ['timestamp with time zone', { type: 'timestamp' }],
    ['int unsigned', { type: 'integer' }],
    ['bigint(20) unsigned', { type: 'integer' }],
    ['tinyint(1)', { type: 'boolean' }],
    ['numeric(12,2)', { type: 'numeric' }],
    ['double precision', { type: 'float' }],
    ['text[]', { type: 'array', elementType: 'text' }],
    ['_int4', { type: 'array', elementType: 'integer' }],
    ['jsonb', { type: 'json' }],
    ['cidr', { type: 'inet' }],
    ['macaddr8', { type: 'macaddr' }],
    ['varbinary(16)', { type: 'bytea' }],
    ['geometry', { type: 'other' }],
    ['not a type!', { type: 'other' }],
  ])('columnShapeOf(%j)', (name, shape) => {
    expect(columnShapeOf(name)).toEqual(shape);
  });

  it('maps PostgreSQL type OIDs and modifiers', () => {
    expect(columnShapeOfPgType(25)).toEqual({ type: 'text' });
    expect(columnShapeOfPgType(1043, 24)).toEqual({ type: 'text', length: 20 });
    expect(columnShapeOfPgType(1042, 14)).toEqual({ type: 'text', length: 10, fixedLength: true });
    expect(columnShapeOfPgType(1184)).toEqual({ type: 'timestamp' });
    expect(columnShapeOfPgType(869)).toEqual({ type: 'inet' });
    expect(columnShapeOfPgType(1009)).toEqual({ type: 'array', elementType: 'text' });
    expect(columnShapeOfPgType(3807)).toEqual({ type: 'array', elementType: 'json' });
    expect(columnShapeOfPgType(2950)).toEqual({ type: 'uuid' });
    expect(columnShapeOfPgType(99999)).toEqual({ type: 'other' });
  });

  it('maps MySQL column types, telling BLOB from TEXT by the binary charset', () => {
    expect(columnShapeOfMysqlType(253, 45, 20)).toEqual({ type: 'text', length: 20 });
    expect(columnShapeOfMysqlType(252, 45)).toEqual({ type: 'text' });
    expect(columnShapeOfMysqlType(252, 63)).toEqual({ type: 'bytea' });
    expect(columnShapeOfMysqlType(1, 63, 1)).toEqual({ type: 'boolean' });
    expect(columnShapeOfMysqlType(8, 63, 20)).toEqual({ type: 'integer' });
    expect(columnShapeOfMysqlType(12, 63)).toEqual({ type: 'timestamp' });
    expect(columnShapeOfMysqlType(245, 63)).toEqual({ type: 'json' });
  });

  it('knows which types carry text', () => {
    expect(['text', 'json', 'array', 'other'].every((t) => isTextual(t as never))).toBe(true);
    expect(isTextual('integer')).toBe(false);
  });
});
