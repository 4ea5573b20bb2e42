import { BufferReader } from './buffer-reader';
import type {
  BindMessage,
  ExecuteMessage,
  FunctionCallMessage,
  ParseMessage,
  SaslInitialResponse,
  StartupPacket,
  TargetMessage,
} from './frontend-messages';
import { Limits } from './limits';
import { DescribeTarget, StartupCode } from './message-codes';
import { ProtocolError } from './protocol-error';

// Decoders for messages the client sends. Each takes the payload (the bytes
// after the Int32 length) and checks the layout exactly: trailing bytes are a
// protocol violation, as in the server (pq_getmsgend).

/** The supported major protocol version. */
const PROTOCOL_MAJOR = 3;

export function decodeStartupPacket(payload: Buffer): StartupPacket {
  const reader = new BufferReader(payload);
  const code = reader.int32();
  switch (code) {
    case StartupCode.sslRequest:
      reader.expectEnd('SSLRequest');
      return { type: 'ssl-request' };
    case StartupCode.gssencRequest:
      reader.expectEnd('GSSENCRequest');
      return { type: 'gssenc-request' };
    case StartupCode.cancelRequest: {
      const processId = reader.int32();
      const keyLength = reader.remaining;
      if (keyLength < Limits.minCancelKeyLength || keyLength > Limits.maxCancelKeyLength) {
        throw new ProtocolError(`CancelRequest secret key of ${keyLength} bytes`);
      }
      return { type: 'cancel-request', processId, secretKey: reader.rest() };
    }
  }
  const majorVersion = code >>> 16;
  const minorVersion = code & 0xffff;
  if (majorVersion !== PROTOCOL_MAJOR) {
    throw new ProtocolError(
      `unsupported startup request code ${code} (protocol ${majorVersion}.${minorVersion})`,
    );
  }
  const parameters = new Map<string, string>();
  for (;;) {
    const name = reader.boundedCstring(Limits.maxStartupNameLength, 'startup parameter name');
    if (name === '') break;
    if (parameters.size >= Limits.maxStartupParameters) {
      throw new ProtocolError(`more than ${Limits.maxStartupParameters} startup parameters`);
    }
    if (parameters.has(name)) {
      throw new ProtocolError(`duplicate startup parameter "${name}"`);
    }
    parameters.set(name, reader.boundedCstring(Limits.maxStartupValueLength, 'startup parameter value'));
  }
  reader.expectEnd('StartupMessage');
  return { type: 'startup', majorVersion, minorVersion, parameters };
}

export function decodeQuery(payload: Buffer): string {
  const reader = new BufferReader(payload);
  const query = reader.cstring();
  reader.expectEnd('Query');
  return query;
}

export function decodeParse(payload: Buffer): ParseMessage {
  const reader = new BufferReader(payload);
  const name = reader.cstring();
  const query = reader.cstring();
  const count = reader.uint16();
  reader.expectAtLeast(count, 4, 'Parse parameter type');
  const parameterTypes = new Array<number>(count);
  for (let i = 0; i < count; i++) parameterTypes[i] = reader.uint32();
  reader.expectEnd('Parse');
  return { name, query, parameterTypes };
}

/** Int16 count, then that many Int16 format codes. */
function readFormats(reader: BufferReader, what: string): number[] {
  const count = reader.uint16();
  reader.expectAtLeast(count, 2, what);
  const formats = new Array<number>(count);
  for (let i = 0; i < count; i++) formats[i] = reader.int16();
  return formats;
}

/** Int16 count, then per value an Int32 length (-1: NULL) and that many bytes (views). */
function readValues(reader: BufferReader, what: string): (Buffer | null)[] {
  const count = reader.uint16();
  reader.expectAtLeast(count, 4, what);
  const values = new Array<Buffer | null>(count);
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    if (length === -1) values[i] = null;
    else if (length < 0) throw new ProtocolError(`${what} ${i} has invalid length ${length}`);
    else values[i] = reader.bytes(length);
  }
  return values;
}

/** The server accepts 0 format codes, 1 for all, or one per value. */
function checkFormatCount(formats: number, values: number, what: string): void {
  if (formats > 1 && formats !== values) {
    throw new ProtocolError(`${what} has ${formats} format codes for ${values} values`);
  }
}

export function decodeBind(payload: Buffer): BindMessage {
  const reader = new BufferReader(payload);
  const portal = reader.cstring();
  const statement = reader.cstring();
  const parameterFormats = readFormats(reader, 'Bind parameter format');
  const parameters = readValues(reader, 'Bind parameter');
  checkFormatCount(parameterFormats.length, parameters.length, 'Bind');
  const resultFormats = readFormats(reader, 'Bind result format');
  reader.expectEnd('Bind');
  return { portal, statement, parameterFormats, parameters, resultFormats };
}

function decodeTarget(payload: Buffer, what: string): TargetMessage {
  const reader = new BufferReader(payload);
  const byte = reader.uint8();
  const target = String.fromCharCode(byte);
  if (target !== DescribeTarget.statement && target !== DescribeTarget.portal) {
    throw new ProtocolError(`${what} target must be 'S' or 'P', got 0x${byte.toString(16)}`);
  }
  const name = reader.cstring();
  reader.expectEnd(what);
  return { target, name };
}

export function decodeDescribe(payload: Buffer): TargetMessage {
  return decodeTarget(payload, 'Describe');
}

export function decodeClose(payload: Buffer): TargetMessage {
  return decodeTarget(payload, 'Close');
}

export function decodeExecute(payload: Buffer): ExecuteMessage {
  const reader = new BufferReader(payload);
  const portal = reader.cstring();
  const maxRows = reader.int32();
  reader.expectEnd('Execute');
  return { portal, maxRows };
}

export function decodeCopyFail(payload: Buffer): string {
  const reader = new BufferReader(payload);
  const message = reader.cstring();
  reader.expectEnd('CopyFail');
  return message;
}

export function decodeFunctionCall(payload: Buffer): FunctionCallMessage {
  const reader = new BufferReader(payload);
  const functionOid = reader.uint32();
  const argumentFormats = readFormats(reader, 'FunctionCall argument format');
  const args = readValues(reader, 'FunctionCall argument');
  checkFormatCount(argumentFormats.length, args.length, 'FunctionCall');
  const resultFormat = reader.int16();
  reader.expectEnd('FunctionCall');
  return { functionOid, argumentFormats, arguments: args, resultFormat };
}

/** PasswordMessage answering AuthenticationCleartextPassword (or MD5: the "md5..." string). */
export function decodePasswordMessage(payload: Buffer): string {
  const reader = new BufferReader(payload);
  const password = reader.cstring();
  reader.expectEnd('PasswordMessage');
  return password;
}

export function decodeSaslInitialResponse(payload: Buffer): SaslInitialResponse {
  const reader = new BufferReader(payload);
  const mechanism = reader.cstring();
  const length = reader.int32();
  let data: Buffer | null = null;
  if (length !== -1) {
    if (length < 0) throw new ProtocolError(`SASLInitialResponse has invalid data length ${length}`);
    data = reader.bytes(length);
  }
  reader.expectEnd('SASLInitialResponse');
  return { mechanism, data };
}

/** SASLResponse: the whole payload is mechanism data (a view). */
export function decodeSaslResponse(payload: Buffer): Buffer {
  return payload;
}
