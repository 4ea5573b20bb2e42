/** Type bytes of messages the client (frontend) sends, as char codes. */
export const FrontendCode = {
  Query: 0x51, // 'Q' simple query: one SQL string, may hold several statements
  Parse: 0x50, // 'P' extended protocol: create a prepared statement
  Bind: 0x42, // 'B' extended protocol: bind parameters to a statement, creating a portal
  Describe: 0x44, // 'D' extended protocol: describe a statement ('S') or portal ('P')
  Execute: 0x45, // 'E' extended protocol: run a portal, optionally with a row limit
  Sync: 0x53, // 'S' extended protocol: end of a batch; server answers ReadyForQuery
  Flush: 0x48, // 'H' extended protocol: ask the server to send what it has buffered
  Close: 0x43, // 'C' extended protocol: close a statement ('S') or portal ('P')
  CopyData: 0x64, // 'd' COPY FROM STDIN data chunk
  CopyDone: 0x63, // 'c' COPY FROM STDIN finished
  CopyFail: 0x66, // 'f' COPY FROM STDIN aborted by the client, with a reason
  Terminate: 0x58, // 'X' the client is closing the connection
  Password: 0x70, // 'p' PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse (by auth state)
  FunctionCall: 0x46, // 'F' fast-path function call
} as const;
export type FrontendCode = (typeof FrontendCode)[keyof typeof FrontendCode];

/** Type bytes of messages the server (backend) sends, as char codes. */
export const BackendCode = {
  Authentication: 0x52, // 'R' authentication request or result; Int32 subtype follows
  ParameterStatus: 0x53, // 'S' a run-time parameter's current value
  BackendKeyData: 0x4b, // 'K' process id and secret key for CancelRequest
  ReadyForQuery: 0x5a, // 'Z' ready for a new query cycle; carries the transaction status
  RowDescription: 0x54, // 'T' the columns of the rows that follow
  DataRow: 0x44, // 'D' one row of values
  CommandComplete: 0x43, // 'C' a statement finished; carries the command tag
  EmptyQueryResponse: 0x49, // 'I' the query string was empty
  ErrorResponse: 0x45, // 'E' an error: typed fields, each a code byte and a string
  NoticeResponse: 0x4e, // 'N' a notice: same layout as ErrorResponse
  NotificationResponse: 0x41, // 'A' LISTEN/NOTIFY notification
  ParseComplete: 0x31, // '1' Parse succeeded
  BindComplete: 0x32, // '2' Bind succeeded
  CloseComplete: 0x33, // '3' Close succeeded
  NoData: 0x6e, // 'n' Describe: the statement returns no rows
  ParameterDescription: 0x74, // 't' Describe statement: parameter type OIDs
  PortalSuspended: 0x73, // 's' Execute stopped at its row limit
  CopyInResponse: 0x47, // 'G' server ready for COPY FROM STDIN
  CopyOutResponse: 0x48, // 'H' server starts COPY TO STDOUT
  CopyBothResponse: 0x57, // 'W' server starts bidirectional copy (replication)
  CopyData: 0x64, // 'd' COPY TO STDOUT data chunk
  CopyDone: 0x63, // 'c' COPY TO STDOUT finished
  FunctionCallResponse: 0x56, // 'V' result of a fast-path function call
  NegotiateProtocolVersion: 0x76, // 'v' server supports an older minor version or not all _pq_ options
} as const;
export type BackendCode = (typeof BackendCode)[keyof typeof BackendCode];

/** The Int32 after the length of an untyped startup-phase packet. */
export const StartupCode = {
  protocol30: 196608, // 3 << 16 | 0: StartupMessage for protocol 3.0 (minor in the low 16 bits)
  sslRequest: 80877103, // 1234 << 16 | 5679: SSLRequest, answered by one byte 'S' or 'N'
  gssencRequest: 80877104, // 1234 << 16 | 5680: GSSENCRequest, answered by one byte 'G' or 'N'
  cancelRequest: 80877102, // 1234 << 16 | 5678: CancelRequest, process id + secret key, no answer
} as const;
export type StartupCode = (typeof StartupCode)[keyof typeof StartupCode];

/** Transaction status byte of ReadyForQuery. */
export const TransactionStatus = {
  idle: 'I', // not in a transaction block
  inBlock: 'T', // in a transaction block
  failed: 'E', // in a failed transaction block; statements are rejected until it ends
} as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

/** Int32 subtype of an Authentication ('R') message. */
export const AuthenticationCode = {
  ok: 0, // AuthenticationOk: authentication succeeded
  kerberosV5: 2, // AuthenticationKerberosV5: not supported since PostgreSQL 9.4
  cleartextPassword: 3, // AuthenticationCleartextPassword: send the password as PasswordMessage
  md5Password: 5, // AuthenticationMD5Password: 4-byte salt follows
  gss: 7, // AuthenticationGSS
  gssContinue: 8, // AuthenticationGSSContinue: GSSAPI or SSPI data follows
  sspi: 9, // AuthenticationSSPI
  sasl: 10, // AuthenticationSASL: NUL-terminated mechanism names, then an empty one
  saslContinue: 11, // AuthenticationSASLContinue: mechanism data follows
  saslFinal: 12, // AuthenticationSASLFinal: mechanism data follows
} as const;
export type AuthenticationCode = (typeof AuthenticationCode)[keyof typeof AuthenticationCode];

/** Target byte of Describe and Close. */
export const DescribeTarget = {
  statement: 'S', // a prepared statement
  portal: 'P', // a portal
} as const;
export type DescribeTarget = (typeof DescribeTarget)[keyof typeof DescribeTarget];

/** Single-byte answers to SSLRequest / GSSENCRequest (not framed messages). */
export const EncryptionResponse = {
  sslAccept: 0x53, // 'S' the server will start TLS
  gssAccept: 0x47, // 'G' the server will start GSSAPI encryption
  refuse: 0x4e, // 'N' the server refuses; the client may continue in plaintext
} as const;

/** Readable name of a type byte for error messages: `'Q' (0x51)`. */
export function describeCode(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}' (${hex})` : hex;
}
