import type {
  AuthenticationMessage,
  BackendKeyData,
  CopyResponse,
  NegotiateProtocolVersion,
  NotificationMessage,
  ParameterStatus,
  ReadyForQueryStatus,
  RowField,
} from './backend-messages';
import { BufferReader } from './buffer-reader';
import { ERROR_FIELD_BY_CODE, type ErrorFields } from './error-fields';
import { Limits } from './limits';
import { AuthenticationCode, TransactionStatus } from './message-codes';
import { ProtocolError } from './protocol-error';

// Decoders for messages the upstream server sends. Each takes the payload (the
// bytes after the Int32 length); layouts are exact, trailing bytes rejected.

/** Bytes of one RowDescription field after its name. */
const ROW_FIELD_FIXED_SIZE = 18;
/** MD5 salt length in AuthenticationMD5Password. */
const MD5_SALT_LENGTH = 4;

export function decodeAuthentication(payload: Buffer): AuthenticationMessage {
  const reader = new BufferReader(payload);
  const code = reader.int32();
  switch (code) {
    case AuthenticationCode.ok:
      reader.expectEnd('AuthenticationOk');
      return { type: 'ok' };
    case AuthenticationCode.cleartextPassword:
      reader.expectEnd('AuthenticationCleartextPassword');
      return { type: 'cleartext-password' };
    case AuthenticationCode.md5Password: {
      const salt = reader.bytes(MD5_SALT_LENGTH);
      reader.expectEnd('AuthenticationMD5Password');
      return { type: 'md5-password', salt };
    }
    case AuthenticationCode.sasl: {
      const mechanisms: string[] = [];
      for (;;) {
        const mechanism = reader.cstring();
        if (mechanism === '') break;
        if (mechanisms.length >= Limits.maxSaslMechanisms) {
          throw new ProtocolError(
            `AuthenticationSASL lists more than ${Limits.maxSaslMechanisms} mechanisms`,
          );
        }
        mechanisms.push(mechanism);
      }
      reader.expectEnd('AuthenticationSASL');
      if (mechanisms.length === 0) throw new ProtocolError('AuthenticationSASL lists no mechanism');
      return { type: 'sasl', mechanisms };
    }
    case AuthenticationCode.saslContinue:
      return { type: 'sasl-continue', data: reader.rest() };
    case AuthenticationCode.saslFinal:
      return { type: 'sasl-final', data: reader.rest() };
    default:
      return { type: 'unsupported', code };
  }
}

export function decodeParameterStatus(payload: Buffer): ParameterStatus {
  const reader = new BufferReader(payload);
  const name = reader.cstring();
  const value = reader.cstring();
  reader.expectEnd('ParameterStatus');
  return { name, value };
}

export function decodeBackendKeyData(payload: Buffer): BackendKeyData {
  const reader = new BufferReader(payload);
  const processId = reader.int32();
  const keyLength = reader.remaining;
  if (keyLength < Limits.minCancelKeyLength || keyLength > Limits.maxCancelKeyLength) {
    throw new ProtocolError(`BackendKeyData secret key of ${keyLength} bytes`);
  }
  return { processId, secretKey: reader.rest() };
}

export function decodeReadyForQuery(payload: Buffer): ReadyForQueryStatus {
  const reader = new BufferReader(payload);
  const byte = reader.uint8();
  reader.expectEnd('ReadyForQuery');
  const status = String.fromCharCode(byte);
  if (
    status !== TransactionStatus.idle &&
    status !== TransactionStatus.inBlock &&
    status !== TransactionStatus.failed
  ) {
    throw new ProtocolError(`ReadyForQuery has invalid transaction status 0x${byte.toString(16)}`);
  }
  return status;
}

/**
 * ErrorResponse / NoticeResponse: (code byte, string) pairs ending in a zero
 * byte. Unknown field codes are skipped, as the protocol requires; a missing
 * S, C or M field decodes as an empty string rather than failing, so a
 * non-conforming upstream error still reaches the client.
 */
export function decodeErrorFields(payload: Buffer): ErrorFields {
  const reader = new BufferReader(payload);
  const fields: ErrorFields = { severity: '', code: '', message: '' };
  for (;;) {
    const code = reader.uint8();
    if (code === 0) break;
    const value = reader.cstring();
    const name = ERROR_FIELD_BY_CODE.get(code);
    if (name !== undefined) fields[name] = value;
  }
  reader.expectEnd('ErrorResponse');
  return fields;
}

export function decodeCommandComplete(payload: Buffer): string {
  const reader = new BufferReader(payload);
  const tag = reader.cstring();
  reader.expectEnd('CommandComplete');
  return tag;
}

export function decodeRowDescription(payload: Buffer): RowField[] {
  const reader = new BufferReader(payload);
  const count = reader.uint16();
  reader.expectAtLeast(count, ROW_FIELD_FIXED_SIZE + 1, 'RowDescription field');
  const fields = new Array<RowField>(count);
  for (let i = 0; i < count; i++) {
    fields[i] = {
      name: reader.cstring(),
      tableOid: reader.uint32(),
      columnAttr: reader.int16(),
      typeOid: reader.uint32(),
      typeSize: reader.int16(),
      typeModifier: reader.int32(),
      format: reader.int16(),
    };
  }
  reader.expectEnd('RowDescription');
  return fields;
}

/** DataRow values as views of the payload; null is SQL NULL. */
export function decodeDataRow(payload: Buffer): (Buffer | null)[] {
  const reader = new BufferReader(payload);
  const count = reader.uint16();
  reader.expectAtLeast(count, 4, 'DataRow column');
  const values = new Array<Buffer | null>(count);
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    if (length === -1) values[i] = null;
    else if (length < 0) throw new ProtocolError(`DataRow column ${i} has invalid length ${length}`);
    else values[i] = reader.bytes(length);
  }
  reader.expectEnd('DataRow');
  return values;
}

export function decodeParameterDescription(payload: Buffer): number[] {
  const reader = new BufferReader(payload);
  const count = reader.uint16();
  reader.expectAtLeast(count, 4, 'ParameterDescription type');
  const types = new Array<number>(count);
  for (let i = 0; i < count; i++) types[i] = reader.uint32();
  reader.expectEnd('ParameterDescription');
  return types;
}

export function decodeNotification(payload: Buffer): NotificationMessage {
  const reader = new BufferReader(payload);
  const processId = reader.int32();
  const channel = reader.cstring();
  const text = reader.cstring();
  reader.expectEnd('NotificationResponse');
  return { processId, channel, payload: text };
}

/** CopyInResponse, CopyOutResponse and CopyBothResponse. */
export function decodeCopyResponse(payload: Buffer): CopyResponse {
  const reader = new BufferReader(payload);
  const format = reader.int8();
  const count = reader.uint16();
  reader.expectAtLeast(count, 2, 'CopyResponse column format');
  const columnFormats = new Array<number>(count);
  for (let i = 0; i < count; i++) columnFormats[i] = reader.int16();
  reader.expectEnd('CopyResponse');
  return { format, columnFormats };
}

export function decodeNegotiateProtocolVersion(payload: Buffer): NegotiateProtocolVersion {
  const reader = new BufferReader(payload);
  const newestMinor = reader.int32();
  const count = reader.int32();
  if (count < 0) throw new ProtocolError(`NegotiateProtocolVersion has invalid option count ${count}`);
  reader.expectAtLeast(count, 1, 'NegotiateProtocolVersion option');
  const unrecognized = new Array<string>(count);
  for (let i = 0; i < count; i++) unrecognized[i] = reader.cstring();
  reader.expectEnd('NegotiateProtocolVersion');
  return { newestMinor, unrecognized };
}

/** FunctionCallResponse: the result as a view, or null for SQL NULL. */
export function decodeFunctionCallResponse(payload: Buffer): Buffer | null {
  const reader = new BufferReader(payload);
  const length = reader.int32();
  if (length === -1) {
    reader.expectEnd('FunctionCallResponse');
    return null;
  }
  if (length < 0) throw new ProtocolError(`FunctionCallResponse has invalid length ${length}`);
  const value = reader.bytes(length);
  reader.expectEnd('FunctionCallResponse');
  return value;
}
