/** Fields of ErrorResponse and NoticeResponse. */
export interface ErrorFields {
  severity: string;
  severityNonLocalized?: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

/** Field type bytes of ErrorResponse / NoticeResponse, each followed by a NUL-terminated string. */
export const ErrorFieldCode = {
  severity: 0x53, // 'S' severity, possibly localized: ERROR, FATAL, PANIC, WARNING, NOTICE...
  severityNonLocalized: 0x56, // 'V' severity, never localized (PostgreSQL 9.6+)
  code: 0x43, // 'C' SQLSTATE code, always present
  message: 0x4d, // 'M' primary human-readable message, always present
  detail: 0x44, // 'D' detail, may span lines
  hint: 0x48, // 'H' hint: what to do about it
  position: 0x50, // 'P' 1-based character index into the query string
  internalPosition: 0x70, // 'p' position into an internally generated command (see 'q')
  internalQuery: 0x71, // 'q' the internally generated command that failed
  where: 0x57, // 'W' context: call stack traceback
  schema: 0x73, // 's' schema name of the object involved
  table: 0x74, // 't' table name of the object involved
  column: 0x63, // 'c' column name
  dataType: 0x64, // 'd' data type name
  constraint: 0x6e, // 'n' constraint name
  file: 0x46, // 'F' server source file reporting the error
  line: 0x4c, // 'L' server source line
  routine: 0x52, // 'R' server source routine
} as const;

export type ErrorFieldName = keyof typeof ErrorFieldCode;

/** The order in which the encoder writes fields; S, V, C, M first as the server does. */
export const ERROR_FIELD_ORDER: readonly ErrorFieldName[] = Object.keys(ErrorFieldCode) as ErrorFieldName[];

/** Field type byte -> field name; unknown bytes map to undefined and are skipped. */
export const ERROR_FIELD_BY_CODE: ReadonlyMap<number, ErrorFieldName> = new Map(
  ERROR_FIELD_ORDER.map((name) => [ErrorFieldCode[name], name]),
);
