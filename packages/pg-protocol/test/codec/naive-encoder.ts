// A deliberately naive, independent PostgreSQL message encoder used as the
// oracle in codec tests: plain arrays of byte numbers, big-endian done by hand,
// the length computed after the body is complete. It shares no code with
// src/codec (not even the message code constants) so that a mistake there
// cannot hide in both.

type Bytes = number[];

export function i8(n: number): Bytes {
  return [n & 0xff];
}

export function i16(n: number): Bytes {
  return [(n >> 8) & 0xff, n & 0xff];
}

export function i32(n: number): Bytes {
  return [Math.floor(n / 2 ** 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function str(s: string): Bytes {
  return Array.from(new TextEncoder().encode(s));
}

export function cstr(s: string): Bytes {
  return [...str(s), 0];
}

export function raw(b: Uint8Array): Bytes {
  return Array.from(b);
}

function join(...parts: Bytes[]): Bytes {
  const out: Bytes = [];
  for (const part of parts) for (const byte of part) out.push(byte);
  return out;
}

export function typed(letter: string, ...parts: Bytes[]): Buffer {
  const body = join(...parts);
  return Buffer.from(join([letter.charCodeAt(0)], i32(body.length + 4), body));
}

export function untyped(...parts: Bytes[]): Buffer {
  const body = join(...parts);
  return Buffer.from(join(i32(body.length + 4), body));
}

function values(vals: readonly (Uint8Array | string | null)[]): Bytes {
  const out = i16(vals.length);
  for (const v of vals) {
    if (v === null) out.push(...i32(-1 >>> 0));
    else {
      const bytes = typeof v === 'string' ? str(v) : raw(v);
      out.push(...i32(bytes.length), ...bytes);
    }
  }
  return out;
}

function int16s(list: readonly number[]): Bytes {
  return join(i16(list.length), ...list.map(i16));
}

// ---- frontend (client -> server)

export const naiveFrontend = {
  startup(params: [string, string][], minor = 0): Buffer {
    return untyped(i16(3), i16(minor), ...params.map(([k, v]) => join(cstr(k), cstr(v))), [0]);
  },
  sslRequest: (): Buffer => untyped(i16(1234), i16(5679)),
  gssencRequest: (): Buffer => untyped(i16(1234), i16(5680)),
  cancelRequest: (pid: number, key: Uint8Array): Buffer => untyped(i16(1234), i16(5678), i32(pid), raw(key)),
  password: (p: string): Buffer => typed('p', cstr(p)),
  saslInitial: (mech: string, data: Uint8Array | null): Buffer =>
    typed('p', cstr(mech), data === null ? i32(0xffffffff) : join(i32(data.length), raw(data))),
  saslResponse: (data: Uint8Array): Buffer => typed('p', raw(data)),
  query: (sql: string): Buffer => typed('Q', cstr(sql)),
  parse: (name: string, query: string, types: number[]): Buffer =>
    typed('P', cstr(name), cstr(query), i16(types.length), ...types.map(i32)),
  bind: (
    portal: string,
    stmt: string,
    formats: number[],
    params: (Uint8Array | string | null)[],
    resultFormats: number[],
  ): Buffer => typed('B', cstr(portal), cstr(stmt), int16s(formats), values(params), int16s(resultFormats)),
  describe: (target: 'S' | 'P', name: string): Buffer => typed('D', [target.charCodeAt(0)], cstr(name)),
  close: (target: 'S' | 'P', name: string): Buffer => typed('C', [target.charCodeAt(0)], cstr(name)),
  execute: (portal: string, maxRows: number): Buffer => typed('E', cstr(portal), i32(maxRows)),
  sync: (): Buffer => typed('S'),
  flush: (): Buffer => typed('H'),
  copyData: (data: Uint8Array): Buffer => typed('d', raw(data)),
  copyDone: (): Buffer => typed('c'),
  copyFail: (msg: string): Buffer => typed('f', cstr(msg)),
  terminate: (): Buffer => typed('X'),
  functionCall: (
    oid: number,
    formats: number[],
    args: (Uint8Array | string | null)[],
    resultFormat: number,
  ): Buffer => typed('F', i32(oid), int16s(formats), values(args), i16(resultFormat)),
};

// ---- backend (server -> client)

/** Error/notice fields in the order the encoder under test is documented to use. */
const FIELD_LETTERS: [string, string][] = [
  ['severity', 'S'],
  ['severityNonLocalized', 'V'],
  ['code', 'C'],
  ['message', 'M'],
  ['detail', 'D'],
  ['hint', 'H'],
  ['position', 'P'],
  ['internalPosition', 'p'],
  ['internalQuery', 'q'],
  ['where', 'W'],
  ['schema', 's'],
  ['table', 't'],
  ['column', 'c'],
  ['dataType', 'd'],
  ['constraint', 'n'],
  ['file', 'F'],
  ['line', 'L'],
  ['routine', 'R'],
];

function fieldList(fields: Record<string, string | undefined>): Bytes {
  const out: Bytes = [];
  for (const [name, letter] of FIELD_LETTERS) {
    let value = fields[name];
    if (name === 'severityNonLocalized' && value === undefined) value = fields.severity;
    if (value !== undefined) out.push(letter.charCodeAt(0), ...cstr(value));
  }
  out.push(0);
  return out;
}

export interface NaiveRowField {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

export const naiveBackend = {
  authOk: (): Buffer => typed('R', i32(0)),
  authCleartext: (): Buffer => typed('R', i32(3)),
  authMd5: (salt: Uint8Array): Buffer => typed('R', i32(5), raw(salt)),
  authSasl: (mechs: string[]): Buffer => typed('R', i32(10), ...mechs.map(cstr), [0]),
  authSaslContinue: (data: Uint8Array): Buffer => typed('R', i32(11), raw(data)),
  authSaslFinal: (data: Uint8Array): Buffer => typed('R', i32(12), raw(data)),
  authOther: (code: number, rest: Uint8Array): Buffer => typed('R', i32(code), raw(rest)),
  parameterStatus: (name: string, value: string): Buffer => typed('S', cstr(name), cstr(value)),
  backendKeyData: (pid: number, key: Uint8Array): Buffer => typed('K', i32(pid), raw(key)),
  readyForQuery: (status: string): Buffer => typed('Z', [status.charCodeAt(0)]),
  errorResponse: (fields: Record<string, string | undefined>): Buffer => typed('E', fieldList(fields)),
  noticeResponse: (fields: Record<string, string | undefined>): Buffer => typed('N', fieldList(fields)),
  commandComplete: (tag: string): Buffer => typed('C', cstr(tag)),
  emptyQuery: (): Buffer => typed('I'),
  rowDescription: (fields: NaiveRowField[]): Buffer =>
    typed(
      'T',
      i16(fields.length),
      ...fields.map((f) =>
        join(
          cstr(f.name),
          i32(f.tableOid),
          i16(f.columnAttr),
          i32(f.typeOid),
          i16(f.typeSize),
          i32(f.typeModifier),
          i16(f.format),
        ),
      ),
    ),
  dataRow: (vals: (Uint8Array | string | null)[]): Buffer => typed('D', values(vals)),
  parseComplete: (): Buffer => typed('1'),
  bindComplete: (): Buffer => typed('2'),
  closeComplete: (): Buffer => typed('3'),
  noData: (): Buffer => typed('n'),
  portalSuspended: (): Buffer => typed('s'),
  parameterDescription: (oids: number[]): Buffer => typed('t', i16(oids.length), ...oids.map(i32)),
  notification: (pid: number, channel: string, payload: string): Buffer =>
    typed('A', i32(pid), cstr(channel), cstr(payload)),
  copyIn: (format: number, cols: number[]): Buffer => typed('G', i8(format), int16s(cols)),
  copyOut: (format: number, cols: number[]): Buffer => typed('H', i8(format), int16s(cols)),
  copyBoth: (format: number, cols: number[]): Buffer => typed('W', i8(format), int16s(cols)),
  copyData: (data: Uint8Array): Buffer => typed('d', raw(data)),
  copyDone: (): Buffer => typed('c'),
  functionCallResponse: (value: Uint8Array | null): Buffer =>
    typed('V', value === null ? i32(0xffffffff) : join(i32(value.length), raw(value))),
  negotiate: (minor: number, options: string[]): Buffer =>
    typed('v', i32(minor), i32(options.length), ...options.map(cstr)),
};
