// Message samples shared by the codec tests: for each message, the encoder
// under test, the naive oracle's bytes, the decoder and the expected result.

import * as codec from '../../src/codec';
import { naiveBackend as nb, naiveFrontend as nf, type NaiveRowField } from './naive-encoder';

export interface Sample {
  name: string;
  /** Untyped startup-phase packet (no type byte). */
  startup: boolean;
  /** Expected type byte; 0 for startup packets. */
  code: number;
  /** The encoder under test. */
  encode: () => Buffer;
  /** The same message from the naive oracle encoder. */
  oracle: Buffer;
  decode: (payload: Buffer) => unknown;
  expected: unknown;
}

type Value = Uint8Array | string | null;

function asBuffers(values: readonly Value[]): (Buffer | null)[] {
  return values.map((v) =>
    v === null ? null : typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v),
  );
}

function ch(letter: string): number {
  return letter.charCodeAt(0);
}

function typedSample(
  name: string,
  letter: string,
  encode: () => Buffer,
  oracle: Buffer,
  decode: (payload: Buffer) => unknown,
  expected: unknown,
): Sample {
  return { name, startup: false, code: ch(letter), encode, oracle, decode, expected };
}

const noPayload = (payload: Buffer): unknown => {
  if (payload.length !== 0) throw new codec.ProtocolError('expected an empty payload');
  return null;
};
const asIs = (payload: Buffer): unknown => Buffer.from(payload);

/** Builders: one per message kind, parameterised so property tests can use them too. */
export const build = {
  // ---- frontend
  startup: (params: [string, string][], minor = 0): Sample => ({
    name: 'StartupMessage',
    startup: true,
    code: 0,
    encode: () => codec.encodeStartupMessage(new Map(params), minor),
    oracle: nf.startup(params, minor),
    decode: codec.decodeStartupPacket,
    expected: { type: 'startup', majorVersion: 3, minorVersion: minor, parameters: new Map(params) },
  }),
  startupFromRecord: (params: Record<string, string>): Sample => ({
    name: 'StartupMessage(record)',
    startup: true,
    code: 0,
    encode: () => codec.encodeStartupMessage(params),
    oracle: nf.startup(Object.entries(params)),
    decode: codec.decodeStartupPacket,
    expected: {
      type: 'startup',
      majorVersion: 3,
      minorVersion: 0,
      parameters: new Map(Object.entries(params)),
    },
  }),
  sslRequest: (): Sample => ({
    name: 'SSLRequest',
    startup: true,
    code: 0,
    encode: codec.encodeSslRequest,
    oracle: nf.sslRequest(),
    decode: codec.decodeStartupPacket,
    expected: { type: 'ssl-request' },
  }),
  gssencRequest: (): Sample => ({
    name: 'GSSENCRequest',
    startup: true,
    code: 0,
    encode: codec.encodeGssencRequest,
    oracle: nf.gssencRequest(),
    decode: codec.decodeStartupPacket,
    expected: { type: 'gssenc-request' },
  }),
  cancelRequest: (pid: number, key: Buffer): Sample => ({
    name: 'CancelRequest',
    startup: true,
    code: 0,
    encode: () => codec.encodeCancelRequest(pid, key),
    oracle: nf.cancelRequest(pid, key),
    decode: codec.decodeStartupPacket,
    expected: { type: 'cancel-request', processId: pid, secretKey: key },
  }),
  password: (p: string): Sample =>
    typedSample(
      'PasswordMessage',
      'p',
      () => codec.encodePasswordMessage(p),
      nf.password(p),
      codec.decodePasswordMessage,
      p,
    ),
  saslInitial: (mech: string, data: Buffer | null): Sample =>
    typedSample(
      'SASLInitialResponse',
      'p',
      () => codec.encodeSaslInitialResponse(mech, data),
      nf.saslInitial(mech, data),
      codec.decodeSaslInitialResponse,
      { mechanism: mech, data },
    ),
  saslResponse: (data: Buffer): Sample =>
    typedSample(
      'SASLResponse',
      'p',
      () => codec.encodeSaslResponse(data),
      nf.saslResponse(data),
      codec.decodeSaslResponse,
      data,
    ),
  query: (sql: string): Sample =>
    typedSample('Query', 'Q', () => codec.encodeQuery(sql), nf.query(sql), codec.decodeQuery, sql),
  parse: (name: string, query: string, types: number[]): Sample =>
    typedSample(
      'Parse',
      'P',
      () => codec.encodeParse(name, query, types),
      nf.parse(name, query, types),
      codec.decodeParse,
      { name, query, parameterTypes: types },
    ),
  bind: (portal: string, stmt: string, formats: number[], params: Value[], resultFormats: number[]): Sample =>
    typedSample(
      'Bind',
      'B',
      () => codec.encodeBind(portal, stmt, formats, params, resultFormats),
      nf.bind(portal, stmt, formats, params, resultFormats),
      codec.decodeBind,
      { portal, statement: stmt, parameterFormats: formats, parameters: asBuffers(params), resultFormats },
    ),
  describe: (target: 'S' | 'P', name: string): Sample =>
    typedSample(
      'Describe',
      'D',
      () => codec.encodeDescribe(target, name),
      nf.describe(target, name),
      codec.decodeDescribe,
      { target, name },
    ),
  close: (target: 'S' | 'P', name: string): Sample =>
    typedSample(
      'Close',
      'C',
      () => codec.encodeClose(target, name),
      nf.close(target, name),
      codec.decodeClose,
      { target, name },
    ),
  execute: (portal: string, maxRows: number): Sample =>
    typedSample(
      'Execute',
      'E',
      () => codec.encodeExecute(portal, maxRows),
      nf.execute(portal, maxRows),
      codec.decodeExecute,
      { portal, maxRows },
    ),
  sync: (): Sample => typedSample('Sync', 'S', codec.encodeSync, nf.sync(), noPayload, null),
  flush: (): Sample => typedSample('Flush', 'H', codec.encodeFlush, nf.flush(), noPayload, null),
  copyData: (data: Buffer): Sample =>
    typedSample('CopyData', 'd', () => codec.encodeCopyData(data), nf.copyData(data), asIs, data),
  copyDone: (): Sample => typedSample('CopyDone', 'c', codec.encodeCopyDone, nf.copyDone(), noPayload, null),
  copyFail: (msg: string): Sample =>
    typedSample(
      'CopyFail',
      'f',
      () => codec.encodeCopyFail(msg),
      nf.copyFail(msg),
      codec.decodeCopyFail,
      msg,
    ),
  terminate: (): Sample =>
    typedSample('Terminate', 'X', codec.encodeTerminate, nf.terminate(), noPayload, null),
  functionCall: (oid: number, formats: number[], args: Value[], resultFormat: number): Sample =>
    typedSample(
      'FunctionCall',
      'F',
      () => codec.encodeFunctionCall(oid, formats, args, resultFormat),
      nf.functionCall(oid, formats, args, resultFormat),
      codec.decodeFunctionCall,
      { functionOid: oid, argumentFormats: formats, arguments: asBuffers(args), resultFormat },
    ),

  // ---- backend
  authOk: (): Sample =>
    typedSample(
      'AuthenticationOk',
      'R',
      codec.encodeAuthenticationOk,
      nb.authOk(),
      codec.decodeAuthentication,
      {
        type: 'ok',
      },
    ),
  authCleartext: (): Sample =>
    typedSample(
      'AuthenticationCleartextPassword',
      'R',
      codec.encodeAuthenticationCleartextPassword,
      nb.authCleartext(),
      codec.decodeAuthentication,
      { type: 'cleartext-password' },
    ),
  authMd5: (salt: Buffer): Sample =>
    typedSample(
      'AuthenticationMD5Password',
      'R',
      () => codec.encodeAuthenticationMd5Password(salt),
      nb.authMd5(salt),
      codec.decodeAuthentication,
      { type: 'md5-password', salt },
    ),
  authSasl: (mechs: string[]): Sample =>
    typedSample(
      'AuthenticationSASL',
      'R',
      () => codec.encodeAuthenticationSasl(mechs),
      nb.authSasl(mechs),
      codec.decodeAuthentication,
      { type: 'sasl', mechanisms: mechs },
    ),
  authSaslContinue: (data: Buffer): Sample =>
    typedSample(
      'AuthenticationSASLContinue',
      'R',
      () => codec.encodeAuthenticationSaslContinue(data),
      nb.authSaslContinue(data),
      codec.decodeAuthentication,
      { type: 'sasl-continue', data },
    ),
  authSaslFinal: (data: Buffer): Sample =>
    typedSample(
      'AuthenticationSASLFinal',
      'R',
      () => codec.encodeAuthenticationSaslFinal(data),
      nb.authSaslFinal(data),
      codec.decodeAuthentication,
      { type: 'sasl-final', data },
    ),
  parameterStatus: (name: string, value: string): Sample =>
    typedSample(
      'ParameterStatus',
      'S',
      () => codec.encodeParameterStatus(name, value),
      nb.parameterStatus(name, value),
      codec.decodeParameterStatus,
      { name, value },
    ),
  backendKeyData: (pid: number, key: Buffer): Sample =>
    typedSample(
      'BackendKeyData',
      'K',
      () => codec.encodeBackendKeyData(pid, key),
      nb.backendKeyData(pid, key),
      codec.decodeBackendKeyData,
      { processId: pid, secretKey: key },
    ),
  readyForQuery: (status: 'I' | 'T' | 'E'): Sample =>
    typedSample(
      'ReadyForQuery',
      'Z',
      () => codec.encodeReadyForQuery(status),
      nb.readyForQuery(status),
      codec.decodeReadyForQuery,
      status,
    ),
  errorResponse: (fields: codec.ErrorFields): Sample =>
    typedSample(
      'ErrorResponse',
      'E',
      () => codec.encodeErrorResponse(fields),
      nb.errorResponse({ ...fields }),
      codec.decodeErrorFields,
      { severityNonLocalized: fields.severity, ...fields },
    ),
  noticeResponse: (fields: codec.ErrorFields): Sample =>
    typedSample(
      'NoticeResponse',
      'N',
      () => codec.encodeNoticeResponse(fields),
      nb.noticeResponse({ ...fields }),
      codec.decodeErrorFields,
      { severityNonLocalized: fields.severity, ...fields },
    ),
  commandComplete: (tag: string): Sample =>
    typedSample(
      'CommandComplete',
      'C',
      () => codec.encodeCommandComplete(tag),
      nb.commandComplete(tag),
      codec.decodeCommandComplete,
      tag,
    ),
  emptyQuery: (): Sample =>
    typedSample('EmptyQueryResponse', 'I', codec.encodeEmptyQueryResponse, nb.emptyQuery(), noPayload, null),
  rowDescription: (fields: NaiveRowField[]): Sample =>
    typedSample(
      'RowDescription',
      'T',
      () => codec.encodeRowDescription(fields),
      nb.rowDescription(fields),
      codec.decodeRowDescription,
      fields,
    ),
  dataRow: (values: Value[]): Sample =>
    typedSample(
      'DataRow',
      'D',
      () => codec.encodeDataRow(values),
      nb.dataRow(values),
      codec.decodeDataRow,
      asBuffers(values),
    ),
  parseComplete: (): Sample =>
    typedSample('ParseComplete', '1', codec.encodeParseComplete, nb.parseComplete(), noPayload, null),
  bindComplete: (): Sample =>
    typedSample('BindComplete', '2', codec.encodeBindComplete, nb.bindComplete(), noPayload, null),
  closeComplete: (): Sample =>
    typedSample('CloseComplete', '3', codec.encodeCloseComplete, nb.closeComplete(), noPayload, null),
  noData: (): Sample => typedSample('NoData', 'n', codec.encodeNoData, nb.noData(), noPayload, null),
  portalSuspended: (): Sample =>
    typedSample('PortalSuspended', 's', codec.encodePortalSuspended, nb.portalSuspended(), noPayload, null),
  parameterDescription: (oids: number[]): Sample =>
    typedSample(
      'ParameterDescription',
      't',
      () => codec.encodeParameterDescription(oids),
      nb.parameterDescription(oids),
      codec.decodeParameterDescription,
      oids,
    ),
  notification: (pid: number, channel: string, payload: string): Sample =>
    typedSample(
      'NotificationResponse',
      'A',
      () => codec.encodeNotificationResponse(pid, channel, payload),
      nb.notification(pid, channel, payload),
      codec.decodeNotification,
      { processId: pid, channel, payload },
    ),
  copyIn: (format: number, cols: number[]): Sample =>
    typedSample(
      'CopyInResponse',
      'G',
      () => codec.encodeCopyInResponse(format, cols),
      nb.copyIn(format, cols),
      codec.decodeCopyResponse,
      { format, columnFormats: cols },
    ),
  copyOut: (format: number, cols: number[]): Sample =>
    typedSample(
      'CopyOutResponse',
      'H',
      () => codec.encodeCopyOutResponse(format, cols),
      nb.copyOut(format, cols),
      codec.decodeCopyResponse,
      { format, columnFormats: cols },
    ),
  copyBoth: (format: number, cols: number[]): Sample =>
    typedSample(
      'CopyBothResponse',
      'W',
      () => codec.encodeCopyBothResponse(format, cols),
      nb.copyBoth(format, cols),
      codec.decodeCopyResponse,
      { format, columnFormats: cols },
    ),
  functionCallResponse: (value: Buffer | null): Sample =>
    typedSample(
      'FunctionCallResponse',
      'V',
      () => codec.encodeFunctionCallResponse(value),
      nb.functionCallResponse(value),
      codec.decodeFunctionCallResponse,
      value,
    ),
  negotiate: (minor: number, options: string[]): Sample =>
    typedSample(
      'NegotiateProtocolVersion',
      'v',
      () => codec.encodeNegotiateProtocolVersion(minor, options),
      nb.negotiate(minor, options),
      codec.decodeNegotiateProtocolVersion,
      { newestMinor: minor, unrecognized: options },
    ),
};

const allFields: codec.ErrorFields = {
  severity: 'ERROR',
  severityNonLocalized: 'ERROR',
  code: '23505',
  message: 'duplicate key value violates unique constraint "users_pkey"',
  detail: 'Key (id)=(1) already exists.',
  hint: 'pick another id',
  position: '15',
  internalPosition: '3',
  internalQuery: 'select 1',
  where: 'PL/pgSQL function f() line 3',
  schema: 'public',
  table: 'users',
  column: 'id',
  dataType: 'integer',
  constraint: 'users_pkey',
  file: 'nbtinsert.c',
  line: '666',
  routine: '_bt_check_unique',
};

const binary = Buffer.from([0, 1, 2, 0xff, 0, 0x80, 0x7f]);

/** One or more samples of every message the codec knows, with awkward values. */
export const SAMPLES: Sample[] = [
  build.startup([
    ['user', 'alice'],
    ['database', 'prod/analytics'],
    ['application_name', 'psql ✓'],
    ['client_encoding', 'UTF8'],
  ]),
  build.startup([], 2),
  build.startup([['options', '']]),
  build.startupFromRecord({ user: 'bob', database: 'local' }),
  build.sslRequest(),
  build.gssencRequest(),
  build.cancelRequest(12345, Buffer.from([1, 2, 3, 4])),
  build.cancelRequest(-2, Buffer.alloc(32, 0xab)),
  build.password('s3cr3t-päss'),
  build.password(''),
  build.saslInitial('SCRAM-SHA-256', Buffer.from('n,,n=,r=abcdef')),
  build.saslInitial('SCRAM-SHA-256', null),
  build.saslInitial('SCRAM-SHA-256', Buffer.alloc(0)),
  build.saslResponse(Buffer.from('c=biws,r=abc,p=xyz')),
  build.saslResponse(Buffer.alloc(0)),
  build.query('select 1'),
  build.query(''),
  build.query("select 'héllo 🌍', $$multi\nline$$; select 2"),
  build.parse('', 'select $1::int, $2', [23, 0]),
  build.parse('stmt_1', 'select 1', []),
  build.parse('s', 'x', [0xffffffff, 2147483648]),
  build.bind('', '', [], [], []),
  build.bind('portal', 'stmt_1', [0, 1], ['text ✓', binary], [1]),
  build.bind('', 's', [1], [null, Buffer.alloc(0), 'x'], [0, 1, 0]),
  build.describe('S', 'stmt_1'),
  build.describe('P', ''),
  build.close('S', ''),
  build.close('P', 'portal'),
  build.execute('', 0),
  build.execute('p', 2147483647),
  build.sync(),
  build.flush(),
  build.copyData(Buffer.from('1\talice\n2\tbob\n')),
  build.copyData(Buffer.alloc(0)),
  build.copyDone(),
  build.copyFail('aborted by user'),
  build.terminate(),
  build.functionCall(1598, [1], [binary, null], 1),
  build.functionCall(2, [], [], 0),

  build.authOk(),
  build.authCleartext(),
  build.authMd5(Buffer.from([0xde, 0xad, 0xbe, 0xef])),
  build.authSasl(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']),
  build.authSaslContinue(Buffer.from('r=abc,s=c2FsdA==,i=4096')),
  build.authSaslFinal(Buffer.from('v=signature')),
  build.parameterStatus('server_version', '17.2'),
  build.parameterStatus('application_name', ''),
  build.backendKeyData(4242, Buffer.from([9, 8, 7, 6])),
  build.backendKeyData(1, Buffer.alloc(256, 7)),
  build.readyForQuery('I'),
  build.readyForQuery('T'),
  build.readyForQuery('E'),
  build.errorResponse(allFields),
  build.errorResponse({ severity: 'FATAL', code: '28P01', message: 'password authentication failed' }),
  build.noticeResponse({
    severity: 'NOTICE',
    severityNonLocalized: 'NOTICE',
    code: '00000',
    message: 'héllo',
  }),
  build.commandComplete('SELECT 1'),
  build.commandComplete('INSERT 0 5'),
  build.emptyQuery(),
  build.rowDescription([]),
  build.rowDescription([
    { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
    {
      name: 'émail',
      tableOid: 4294967295,
      columnAttr: -2,
      typeOid: 25,
      typeSize: -1,
      typeModifier: 68,
      format: 1,
    },
  ]),
  build.dataRow([]),
  build.dataRow(['1', null, '', binary, 'ünïcode']),
  build.parseComplete(),
  build.bindComplete(),
  build.closeComplete(),
  build.noData(),
  build.portalSuspended(),
  build.parameterDescription([23, 25, 4294967295]),
  build.parameterDescription([]),
  build.notification(77, 'jobs', '{"id":1}'),
  build.notification(-1, '', ''),
  build.copyIn(0, [0, 0]),
  build.copyOut(1, [1, 1, 1]),
  build.copyBoth(0, []),
  build.functionCallResponse(binary),
  build.functionCallResponse(null),
  build.functionCallResponse(Buffer.alloc(0)),
  build.negotiate(0, ['_pq_.unknown_option', '_pq_.other']),
  build.negotiate(2, []),
];
