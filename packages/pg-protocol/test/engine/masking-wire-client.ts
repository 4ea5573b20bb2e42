import {
  BackendCode,
  decodeDataRow,
  decodeErrorFields,
  decodeRowDescription,
  encodeBind,
  encodeDescribe,
  encodeExecute,
  encodeParse,
  encodeQuery,
  encodeSync,
  type ErrorFields,
  type RowField,
} from '../../src/codec';
import { RawClient } from './wire';

export interface RawResult {
  readonly fields: RowField[];
  readonly rows: (Buffer | null)[][];
  readonly errors: ErrorFields[];
  readonly notices: ErrorFields[];
  /** Every message type received, in order (`TDDCZ`). */
  readonly codes: string;
}

function collect(messages: { code: number; payload: Buffer }[]): RawResult {
  let fields: RowField[] = [];
  const rows: (Buffer | null)[][] = [];
  const errors: ErrorFields[] = [];
  const notices: ErrorFields[] = [];
  for (const m of messages) {
    if (m.code === BackendCode.RowDescription) fields = decodeRowDescription(m.payload);
    else if (m.code === BackendCode.DataRow)
      rows.push(decodeDataRow(m.payload).map((v) => (v === null ? null : Buffer.from(v))));
    else if (m.code === BackendCode.ErrorResponse) errors.push(decodeErrorFields(m.payload));
    else if (m.code === BackendCode.NoticeResponse) notices.push(decodeErrorFields(m.payload));
  }
  return { fields, rows, errors, notices, codes: messages.map((m) => String.fromCharCode(m.code)).join('') };
}

/**
 * Parse / Bind (with these result format codes) / Describe portal /
 * Execute / Sync on a new connection, as drivers that ask for binary
 * results do.
 */
export async function extendedQuery(
  port: number,
  sql: string,
  resultFormats: readonly number[],
  options: { token?: string; describe?: boolean } = {},
): Promise<RawResult> {
  const c = await RawClient.login(port, options.token ?? 'token-dev');
  try {
    c.socket.write(
      Buffer.concat([
        encodeParse('', sql, []),
        encodeBind({
          portal: '',
          statement: '',
          parameterFormats: [],
          parameters: [],
          resultFormats: [...resultFormats],
        }),
        ...(options.describe === false ? [] : [encodeDescribe('P', '')]),
        encodeExecute('', 0),
        encodeSync(),
      ]),
    );
    return collect(await c.until(BackendCode.ReadyForQuery));
  } finally {
    c.socket.destroy();
  }
}

/** A simple Query on a new connection (COPY TO STDOUT data arrives as CopyData). */
export async function simpleQuery(
  port: number,
  sql: string,
  token = 'token-dev',
): Promise<RawResult & { copy: Buffer[] }> {
  const c = await RawClient.login(port, token);
  try {
    c.socket.write(encodeQuery(sql));
    const messages = await c.until(BackendCode.ReadyForQuery);
    const copy = messages.filter((m) => m.code === BackendCode.CopyData).map((m) => m.payload);
    return { ...collect(messages), copy };
  } finally {
    c.socket.destroy();
  }
}

const PG_EPOCH = Date.UTC(2000, 0, 1);

/**
 * An independent decoder of PostgreSQL binary values into their text form
 * (UTC for timestamps), for the types the fixture uses: the oracle the
 * gateway's re-encoding is checked against.
 */
export function binaryText(typeOid: number, v: Buffer): string {
  switch (typeOid) {
    case 16:
      return v[0] ? 't' : 'f';
    case 20:
      return v.readBigInt64BE(0).toString();
    case 21:
      return String(v.readInt16BE(0));
    case 23:
      return String(v.readInt32BE(0));
    case 25:
    case 1043:
    case 1042:
    case 19:
    case 114:
      return v.toString('utf8');
    case 3802:
      return v.toString('utf8', 1);
    case 1082:
      return new Date(PG_EPOCH + v.readInt32BE(0) * 86_400_000).toISOString().slice(0, 10);
    case 1114:
    case 1184: {
      const iso = new Date(PG_EPOCH + Number(v.readBigInt64BE(0) / 1000n)).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${typeOid === 1184 ? '+00' : ''}`;
    }
    case 2950: {
      const h = v.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 1700: {
      // numeric: base-10000 digits; enough for the fixture's amounts.
      const ndigits = v.readInt16BE(0);
      const weight = v.readInt16BE(2);
      const dscale = v.readInt16BE(6);
      let n = 0;
      for (let i = 0; i < ndigits; i++) n += v.readInt16BE(8 + 2 * i) * 10_000 ** (weight - i);
      return (v.readUInt16BE(4) === 0x4000 ? -n : n).toFixed(dscale);
    }
    case 869:
      return v[0] === 2 && v[1] === 32 ? [...v.subarray(4, 8)].join('.') : `inet:${v.toString('hex')}`;
    case 1009: {
      // text[]: one dimension in the fixture.
      const ndim = v.readInt32BE(0);
      if (ndim === 0) return '{}';
      const count = v.readInt32BE(12);
      const out: string[] = [];
      let at = 20;
      for (let i = 0; i < count; i++) {
        const len = v.readInt32BE(at);
        at += 4;
        out.push(len < 0 ? 'NULL' : v.toString('utf8', at, at + len));
        at += Math.max(len, 0);
      }
      return `{${out.join(',')}}`;
    }
    default: {
      // A record: (type, length, bytes) per field.
      const n = v.readInt32BE(0);
      const out: string[] = [];
      let at = 4;
      for (let i = 0; i < n; i++) {
        const oid = v.readUInt32BE(at);
        const len = v.readInt32BE(at + 4);
        at += 8;
        out.push(len < 0 ? '' : binaryText(oid, v.subarray(at, at + len)));
        at += Math.max(len, 0);
      }
      return `(${out.join(',')})`;
    }
  }
}
