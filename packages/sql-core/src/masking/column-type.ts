/**
 * The type of a result column, reduced to what masking needs: which detectors
 * may apply (type gates) and which values a client can still parse.
 */
export const TypeCategory = {
  text: 'text',
  integer: 'integer',
  numeric: 'numeric',
  float: 'float',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  time: 'time',
  interval: 'interval',
  uuid: 'uuid',
  json: 'json',
  bytea: 'bytea',
  inet: 'inet',
  macaddr: 'macaddr',
  array: 'array',
  other: 'other',
} as const;
export type TypeCategory = (typeof TypeCategory)[keyof typeof TypeCategory];

/** A result column's type as masks need it. */
export interface ColumnShape {
  readonly type: TypeCategory;
  /** For `array`: the element type (PostgreSQL arrays only). Defaults to text. */
  readonly elementType?: TypeCategory;
  /** Declared length of char(n)/varchar(n): a masked value never exceeds it. */
  readonly length?: number;
  /** char(n)/bpchar: the server pads to `length`, so the mask is padded too. */
  readonly fixedLength?: boolean;
}

const BY_NAME: Readonly<Record<string, TypeCategory>> = {
  text: 'text',
  varchar: 'text',
  'character varying': 'text',
  char: 'text',
  character: 'text',
  bpchar: 'text',
  citext: 'text',
  name: 'text',
  string: 'text',
  tinytext: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  nvarchar: 'text',
  nchar: 'text',
  xml: 'other',
  int: 'integer',
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  integer: 'integer',
  smallint: 'integer',
  bigint: 'integer',
  mediumint: 'integer',
  tinyint: 'integer',
  serial: 'integer',
  bigserial: 'integer',
  smallserial: 'integer',
  oid: 'integer',
  year: 'integer',
  numeric: 'numeric',
  decimal: 'numeric',
  money: 'numeric',
  float: 'float',
  float4: 'float',
  float8: 'float',
  real: 'float',
  double: 'float',
  'double precision': 'float',
  bool: 'boolean',
  boolean: 'boolean',
  bit: 'other',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  datetime: 'timestamp',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamp',
  time: 'time',
  timetz: 'time',
  'time without time zone': 'time',
  'time with time zone': 'time',
  interval: 'interval',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytea',
  blob: 'bytea',
  tinyblob: 'bytea',
  mediumblob: 'bytea',
  longblob: 'bytea',
  binary: 'bytea',
  varbinary: 'bytea',
  inet: 'inet',
  cidr: 'inet',
  macaddr: 'macaddr',
  macaddr8: 'macaddr',
};

const TYPE_NAME =
  /^\s*([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*\d+\s*)?\))?\s*(?:unsigned\s*)?(\[\])?\s*$/;

/**
 * Shape of a SQL type name as PostgreSQL or MySQL spells it:
 * `varchar(20)`, `character(2)`, `timestamptz`, `int unsigned`, `text[]`, `_int4`.
 * MySQL `tinyint(1)` is a boolean.
 */
export function columnShapeOf(typeName: string): ColumnShape {
  const lower = typeName.toLowerCase();
  const m = TYPE_NAME.exec(lower);
  if (!m) return { type: 'other' };
  let base = m[1] ?? '';
  const size = m[2] === undefined ? undefined : Number(m[2]);
  if (m[3] !== undefined || (base.startsWith('_') && base.length > 1)) {
    if (base.startsWith('_')) base = base.slice(1);
    return { type: 'array', elementType: BY_NAME[base] ?? 'other' };
  }
  if (base === 'tinyint' && size === 1) return { type: 'boolean' };
  const type = BY_NAME[base] ?? 'other';
  if (type === 'text' && size !== undefined) {
    const fixed = base === 'char' || base === 'character' || base === 'bpchar' || base === 'nchar';
    return fixed ? { type, length: size, fixedLength: true } : { type, length: size };
  }
  return { type };
}

// PostgreSQL built-in type OIDs (pg_type.oid, stable across versions). Arrays map to their element.
const PG_OIDS: ReadonlyMap<number, TypeCategory> = new Map<number, TypeCategory>([
  [16, 'boolean'],
  [17, 'bytea'],
  [18, 'text'],
  [19, 'text'],
  [20, 'integer'],
  [21, 'integer'],
  [23, 'integer'],
  [25, 'text'],
  [26, 'integer'],
  [114, 'json'],
  [142, 'other'],
  [650, 'inet'],
  [700, 'float'],
  [701, 'float'],
  [790, 'numeric'],
  [829, 'macaddr'],
  [774, 'macaddr'],
  [869, 'inet'],
  [1042, 'text'],
  [1043, 'text'],
  [1082, 'date'],
  [1083, 'time'],
  [1114, 'timestamp'],
  [1184, 'timestamp'],
  [1186, 'interval'],
  [1266, 'time'],
  [1700, 'numeric'],
  [2950, 'uuid'],
  [3802, 'json'],
]);
const PG_ARRAY_OIDS: ReadonlyMap<number, number> = new Map<number, number>([
  [1000, 16],
  [1001, 17],
  [1002, 18],
  [1003, 19],
  [1016, 20],
  [1005, 21],
  [1007, 23],
  [1009, 25],
  [1028, 26],
  [199, 114],
  [651, 650],
  [1021, 700],
  [1022, 701],
  [791, 790],
  [1040, 829],
  [775, 774],
  [1041, 869],
  [1014, 1042],
  [1015, 1043],
  [1182, 1082],
  [1183, 1083],
  [1115, 1114],
  [1185, 1184],
  [1187, 1186],
  [1270, 1266],
  [1231, 1700],
  [2951, 2950],
  [3807, 3802],
]);

/**
 * Shape of a PostgreSQL result column from RowDescription: type OID and type
 * modifier (`atttypmod`; for char/varchar it is the declared length + 4).
 * Unknown OIDs (extensions such as citext, domains, enums) are `other`: the
 * engine may resolve them through the catalog and pass `text` instead.
 */
export function columnShapeOfPgType(oid: number, typeModifier = -1): ColumnShape {
  const element = PG_ARRAY_OIDS.get(oid);
  if (element !== undefined) return { type: 'array', elementType: PG_OIDS.get(element) ?? 'other' };
  const type = PG_OIDS.get(oid) ?? 'other';
  if ((oid === 1042 || oid === 1043) && typeModifier > 4) {
    return oid === 1042
      ? { type, length: typeModifier - 4, fixedLength: true }
      : { type, length: typeModifier - 4 };
  }
  return { type };
}

// MySQL protocol column types (ColumnDefinition41.column_type).
const MYSQL_TYPES: ReadonlyMap<number, TypeCategory> = new Map<number, TypeCategory>([
  [0, 'numeric'],
  [1, 'integer'],
  [2, 'integer'],
  [3, 'integer'],
  [4, 'float'],
  [5, 'float'],
  [6, 'other'],
  [7, 'timestamp'],
  [8, 'integer'],
  [9, 'integer'],
  [10, 'date'],
  [11, 'time'],
  [12, 'timestamp'],
  [13, 'integer'],
  [14, 'date'],
  [15, 'text'],
  [16, 'other'],
  [245, 'json'],
  [246, 'numeric'],
  [247, 'text'],
  [248, 'text'],
  [249, 'text'],
  [250, 'text'],
  [251, 'text'],
  [252, 'text'],
  [253, 'text'],
  [254, 'text'],
  [255, 'other'],
]);
/** MySQL's charset number for binary strings: BLOB/BINARY columns carry it, TEXT/CHAR columns don't. */
const MYSQL_BINARY_CHARSET = 63;
const MYSQL_BLOB_TYPES = new Set([15, 249, 250, 251, 252, 253, 254]);

/**
 * Shape of a MySQL result column from its column definition: type code,
 * character set, and display length in characters (`column_length` divided
 * by the charset's maximum bytes per character, which the engine knows).
 */
export function columnShapeOfMysqlType(typeCode: number, charset: number, length?: number): ColumnShape {
  if (MYSQL_BLOB_TYPES.has(typeCode) && charset === MYSQL_BINARY_CHARSET) return { type: 'bytea' };
  const type = MYSQL_TYPES.get(typeCode) ?? 'other';
  if (typeCode === 1 && length === 1) return { type: 'boolean' };
  // VARCHAR, VAR_STRING, STRING (CHAR) carry a declared length; TEXT/BLOB types (249-252) do not.
  if (length !== undefined && (typeCode === 15 || typeCode === 253 || typeCode === 254)) {
    // MySQL strips CHAR(n) padding in results (unless PAD_CHAR_TO_FULL_LENGTH), so no fixed length.
    return { type, length };
  }
  return { type };
}

/** Types whose values are text a person wrote or a program stored: where value scans look. */
export function isTextual(type: TypeCategory): boolean {
  return type === 'text' || type === 'json' || type === 'array' || type === 'other';
}
