import { MessageWriter } from './buffer-writer';
import type { BindMessage, FunctionCallMessage } from './frontend-messages';
import { type DescribeTarget, FrontendCode, StartupCode } from './message-codes';

// Encoders for messages Gatehouse sends to the upstream server. Each returns
// one complete, newly allocated message. Strings containing NUL throw
// ProtocolError.

export { encodeCopyData, encodeCopyDone } from './copy-encoder';

/** A parameter or argument value: bytes, a string (UTF-8), or null (SQL NULL). */
export type WireValue = Uint8Array | string | null;

const writer = new MessageWriter();

/** StartupMessage for protocol 3.`minor`; parameters such as user, database, client_encoding. */
export function encodeStartupMessage(
  parameters: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  minor = 0,
): Buffer {
  const w = writer.reset().int32(StartupCode.protocol30 | minor);
  const entries = parameters instanceof Map ? parameters.entries() : Object.entries(parameters);
  for (const [name, value] of entries) {
    if (name === '') throw new RangeError('startup parameter name must not be empty');
    w.cstring(name).cstring(value);
  }
  return w.byte(0).frame(0);
}

export function encodeSslRequest(): Buffer {
  return writer.reset().int32(StartupCode.sslRequest).frame(0);
}

export function encodeGssencRequest(): Buffer {
  return writer.reset().int32(StartupCode.gssencRequest).frame(0);
}

export function encodeCancelRequest(processId: number, secretKey: Uint8Array): Buffer {
  return writer.reset().int32(StartupCode.cancelRequest).int32(processId).bytes(secretKey).frame(0);
}

/** PasswordMessage: a cleartext password, or the "md5..." hash string. */
export function encodePasswordMessage(password: string): Buffer {
  return writer.reset().cstring(password).frame(FrontendCode.Password);
}

export function encodeSaslInitialResponse(mechanism: string, data: Uint8Array | null): Buffer {
  const w = writer.reset().cstring(mechanism);
  if (data === null) w.int32(-1);
  else w.int32(data.length).bytes(data);
  return w.frame(FrontendCode.Password);
}

export function encodeSaslResponse(data: Uint8Array): Buffer {
  return writer.reset().bytes(data).frame(FrontendCode.Password);
}

export function encodeQuery(sql: string): Buffer {
  return writer.reset().cstring(sql).frame(FrontendCode.Query);
}

export function encodeParse(name: string, query: string, parameterTypes: readonly number[] = []): Buffer {
  const w = writer.reset().cstring(name).cstring(query).uint16(parameterTypes.length);
  for (const oid of parameterTypes) w.uint32(oid);
  return w.frame(FrontendCode.Parse);
}

function writeFormats(w: MessageWriter, formats: readonly number[]): void {
  w.uint16(formats.length);
  for (const format of formats) w.int16(format);
}

function writeValues(w: MessageWriter, values: readonly WireValue[]): void {
  w.uint16(values.length);
  for (const value of values) {
    if (value === null) w.int32(-1);
    else if (typeof value === 'string') w.int32(Buffer.byteLength(value, 'utf8')).string(value);
    else w.int32(value.length).bytes(value);
  }
}

/**
 * Bind, in wire order: portal, statement, parameter formats, parameters,
 * result formats. Also accepts a decoded BindMessage.
 */
export function encodeBind(message: BindMessage): Buffer;
export function encodeBind(
  portal: string,
  statement: string,
  parameterFormats?: readonly number[],
  parameters?: readonly WireValue[],
  resultFormats?: readonly number[],
): Buffer;
export function encodeBind(
  portalOrMessage: string | BindMessage,
  statement = '',
  parameterFormats: readonly number[] = [],
  parameters: readonly WireValue[] = [],
  resultFormats: readonly number[] = [],
): Buffer {
  if (typeof portalOrMessage !== 'string') {
    const m = portalOrMessage;
    return encodeBind(m.portal, m.statement, m.parameterFormats, m.parameters, m.resultFormats);
  }
  const w = writer.reset().cstring(portalOrMessage).cstring(statement);
  writeFormats(w, parameterFormats);
  writeValues(w, parameters);
  writeFormats(w, resultFormats);
  return w.frame(FrontendCode.Bind);
}

export function encodeDescribe(target: DescribeTarget, name: string): Buffer {
  return writer.reset().byte(target.charCodeAt(0)).cstring(name).frame(FrontendCode.Describe);
}

export function encodeClose(target: DescribeTarget, name: string): Buffer {
  return writer.reset().byte(target.charCodeAt(0)).cstring(name).frame(FrontendCode.Close);
}

/** Execute a portal; maxRows 0 means no limit. */
export function encodeExecute(portal: string, maxRows = 0): Buffer {
  return writer.reset().cstring(portal).int32(maxRows).frame(FrontendCode.Execute);
}

export function encodeSync(): Buffer {
  return writer.reset().frame(FrontendCode.Sync);
}

export function encodeFlush(): Buffer {
  return writer.reset().frame(FrontendCode.Flush);
}

export function encodeCopyFail(message: string): Buffer {
  return writer.reset().cstring(message).frame(FrontendCode.CopyFail);
}

export function encodeTerminate(): Buffer {
  return writer.reset().frame(FrontendCode.Terminate);
}

/**
 * FunctionCall, in wire order: function OID, argument formats, arguments,
 * result format. Also accepts a decoded FunctionCallMessage.
 */
export function encodeFunctionCall(message: FunctionCallMessage): Buffer;
export function encodeFunctionCall(
  functionOid: number,
  argumentFormats?: readonly number[],
  args?: readonly WireValue[],
  resultFormat?: number,
): Buffer;
export function encodeFunctionCall(
  oidOrMessage: number | FunctionCallMessage,
  argumentFormats: readonly number[] = [],
  args: readonly WireValue[] = [],
  resultFormat = 0,
): Buffer {
  if (typeof oidOrMessage !== 'number') {
    const m = oidOrMessage;
    return encodeFunctionCall(m.functionOid, m.argumentFormats, m.arguments, m.resultFormat);
  }
  const w = writer.reset().uint32(oidOrMessage);
  writeFormats(w, argumentFormats);
  writeValues(w, args);
  w.int16(resultFormat);
  return w.frame(FrontendCode.FunctionCall);
}
