import type { RowField } from './backend-messages';
import { MessageWriter } from './buffer-writer';
import { ERROR_FIELD_ORDER, ErrorFieldCode, type ErrorFields } from './error-fields';
import { AuthenticationCode, BackendCode, EncryptionResponse, type TransactionStatus } from './message-codes';

// Encoders for messages Gatehouse sends to clients. Each returns one complete,
// newly allocated message. Strings containing NUL throw ProtocolError.

export { encodeCopyData, encodeCopyDone } from './copy-encoder';

/** Answer to SSLRequest: the server will start TLS (one byte, not a framed message). */
export const SSL_ACCEPT: Buffer = Buffer.from([EncryptionResponse.sslAccept]);
/** Answer to SSLRequest or GSSENCRequest: refused, continue in plaintext. */
export const SSL_REFUSE: Buffer = Buffer.from([EncryptionResponse.refuse]);
/** Answer to GSSENCRequest: refused (same byte as SSL_REFUSE). */
export const GSSENC_REFUSE: Buffer = SSL_REFUSE;

const writer = new MessageWriter();

function authentication(code: number): MessageWriter {
  return writer.reset().int32(code);
}

export function encodeAuthenticationOk(): Buffer {
  return authentication(AuthenticationCode.ok).frame(BackendCode.Authentication);
}

export function encodeAuthenticationCleartextPassword(): Buffer {
  return authentication(AuthenticationCode.cleartextPassword).frame(BackendCode.Authentication);
}

export function encodeAuthenticationMd5Password(salt: Uint8Array): Buffer {
  if (salt.length !== 4) throw new RangeError('MD5 salt must be 4 bytes');
  return authentication(AuthenticationCode.md5Password).bytes(salt).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSasl(mechanisms: readonly string[]): Buffer {
  const w = authentication(AuthenticationCode.sasl);
  for (const mechanism of mechanisms) w.cstring(mechanism);
  return w.byte(0).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSaslContinue(data: Uint8Array): Buffer {
  return authentication(AuthenticationCode.saslContinue).bytes(data).frame(BackendCode.Authentication);
}

export function encodeAuthenticationSaslFinal(data: Uint8Array): Buffer {
  return authentication(AuthenticationCode.saslFinal).bytes(data).frame(BackendCode.Authentication);
}

export function encodeParameterStatus(name: string, value: string): Buffer {
  return writer.reset().cstring(name).cstring(value).frame(BackendCode.ParameterStatus);
}

export function encodeBackendKeyData(processId: number, secretKey: Uint8Array): Buffer {
  if (secretKey.length < 4 || secretKey.length > 256) throw new RangeError('secret key must be 4..256 bytes');
  return writer.reset().int32(processId).bytes(secretKey).frame(BackendCode.BackendKeyData);
}

export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  return writer.reset().byte(status.charCodeAt(0)).frame(BackendCode.ReadyForQuery);
}

function errorFields(fields: ErrorFields): MessageWriter {
  const w = writer.reset();
  for (const name of ERROR_FIELD_ORDER) {
    const value =
      name === 'severityNonLocalized' ? (fields.severityNonLocalized ?? fields.severity) : fields[name];
    if (value !== undefined) w.byte(ErrorFieldCode[name]).cstring(value);
  }
  return w.byte(0);
}

/** Writes S, V (= S when not given), C, M, then every optional field present. */
export function encodeErrorResponse(fields: ErrorFields): Buffer {
  return errorFields(fields).frame(BackendCode.ErrorResponse);
}

export function encodeNoticeResponse(fields: ErrorFields): Buffer {
  return errorFields(fields).frame(BackendCode.NoticeResponse);
}

export function encodeCommandComplete(tag: string): Buffer {
  return writer.reset().cstring(tag).frame(BackendCode.CommandComplete);
}

export function encodeEmptyQueryResponse(): Buffer {
  return writer.reset().frame(BackendCode.EmptyQueryResponse);
}

export function encodeRowDescription(fields: readonly RowField[]): Buffer {
  const w = writer.reset().uint16(fields.length);
  for (const f of fields) {
    w.cstring(f.name)
      .uint32(f.tableOid)
      .int16(f.columnAttr)
      .uint32(f.typeOid)
      .int16(f.typeSize)
      .int32(f.typeModifier)
      .int16(f.format);
  }
  return w.frame(BackendCode.RowDescription);
}

/** Strings are written as UTF-8; null is SQL NULL (length -1). */
export function encodeDataRow(values: readonly (Uint8Array | string | null)[]): Buffer {
  const w = writer.reset().uint16(values.length);
  for (const value of values) {
    if (value === null) w.int32(-1);
    else if (typeof value === 'string') w.int32(Buffer.byteLength(value, 'utf8')).string(value);
    else w.int32(value.length).bytes(value);
  }
  return w.frame(BackendCode.DataRow);
}

export function encodeParseComplete(): Buffer {
  return writer.reset().frame(BackendCode.ParseComplete);
}

export function encodeBindComplete(): Buffer {
  return writer.reset().frame(BackendCode.BindComplete);
}

export function encodeCloseComplete(): Buffer {
  return writer.reset().frame(BackendCode.CloseComplete);
}

export function encodeNoData(): Buffer {
  return writer.reset().frame(BackendCode.NoData);
}

export function encodePortalSuspended(): Buffer {
  return writer.reset().frame(BackendCode.PortalSuspended);
}

export function encodeParameterDescription(typeOids: readonly number[]): Buffer {
  const w = writer.reset().uint16(typeOids.length);
  for (const oid of typeOids) w.uint32(oid);
  return w.frame(BackendCode.ParameterDescription);
}

export function encodeNegotiateProtocolVersion(newestMinor: number, unrecognized: readonly string[]): Buffer {
  const w = writer.reset().int32(newestMinor).int32(unrecognized.length);
  for (const option of unrecognized) w.cstring(option);
  return w.frame(BackendCode.NegotiateProtocolVersion);
}

export function encodeNotificationResponse(processId: number, channel: string, payload: string): Buffer {
  return writer
    .reset()
    .int32(processId)
    .cstring(channel)
    .cstring(payload)
    .frame(BackendCode.NotificationResponse);
}

function copyResponse(code: number, format: number, columnFormats: readonly number[]): Buffer {
  const w = writer.reset().int8(format).uint16(columnFormats.length);
  for (const f of columnFormats) w.int16(f);
  return w.frame(code);
}

export function encodeCopyInResponse(format: number, columnFormats: readonly number[]): Buffer {
  return copyResponse(BackendCode.CopyInResponse, format, columnFormats);
}

export function encodeCopyOutResponse(format: number, columnFormats: readonly number[]): Buffer {
  return copyResponse(BackendCode.CopyOutResponse, format, columnFormats);
}

export function encodeCopyBothResponse(format: number, columnFormats: readonly number[]): Buffer {
  return copyResponse(BackendCode.CopyBothResponse, format, columnFormats);
}

/** FunctionCallResponse: the result value, or null for SQL NULL. */
export function encodeFunctionCallResponse(value: Uint8Array | null): Buffer {
  const w = writer.reset();
  if (value === null) w.int32(-1);
  else w.int32(value.length).bytes(value);
  return w.frame(BackendCode.FunctionCallResponse);
}
