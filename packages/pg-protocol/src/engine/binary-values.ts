import { ProtocolError } from '../codec';

/**
 * PostgreSQL binary formats (typsend/typreceive) to and from the text form
 * the masks work on, for the types masks can change. A value is decoded to
 * text, masked, and encoded back in the same type, so a client that asked
 * for binary results still decodes what it gets.
 */
export interface BinaryCodec {
  decode(value: Buffer): string;
  /** `original`: the value as received (arrays and records take their element types from it). */
  encode(text: string, original: Buffer): Buffer;
}

const utf8: BinaryCodec = {
  decode: (v) => v.toString('utf8'),
  encode: (t) => Buffer.from(t, 'utf8'),
};

/** jsonb: a version byte (1), then the JSON text. */
const jsonb: BinaryCodec = {
  decode: (v) => {
    if (v[0] !== 1) throw new ProtocolError('jsonb value has an unknown version');
    return v.toString('utf8', 1);
  },
  encode: (t) => Buffer.concat([Buffer.of(1), Buffer.from(t, 'utf8')]),
};

function integer(size: 2 | 4 | 8): BinaryCodec {
  return {
    decode: (v) => {
      if (v.length !== size) throw new ProtocolError(`integer value of ${v.length} bytes`);
      return size === 2
        ? String(v.readInt16BE(0))
        : size === 4
          ? String(v.readInt32BE(0))
          : v.readBigInt64BE(0).toString();
    },
    encode: (t) => {
      const b = Buffer.alloc(size);
      if (size === 8) b.writeBigInt64BE(BigInt(t.trim()));
      else if (size === 4) b.writeInt32BE(Number.parseInt(t, 10));
      else b.writeInt16BE(Number.parseInt(t, 10));
      return b;
    },
  };
}

const oid: BinaryCodec = {
  decode: (v) => String(v.readUInt32BE(0)),
  encode: (t) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number.parseInt(t, 10) >>> 0);
    return b;
  },
};

function float(size: 4 | 8): BinaryCodec {
  return {
    decode: (v) => {
      const n = size === 4 ? v.readFloatBE(0) : v.readDoubleBE(0);
      return Number.isNaN(n)
        ? 'NaN'
        : n === Infinity
          ? 'Infinity'
          : n === -Infinity
            ? '-Infinity'
            : String(n);
    },
    encode: (t) => {
      const b = Buffer.alloc(size);
      const n = Number(t);
      if (size === 4) b.writeFloatBE(n);
      else b.writeDoubleBE(n);
      return b;
    },
  };
}

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/** numeric: ndigits, weight, sign, dscale, then base-10000 digits. */
const numeric: BinaryCodec = {
  decode: (v) => {
    const ndigits = v.readInt16BE(0);
    const weight = v.readInt16BE(2);
    const sign = v.readUInt16BE(4);
    const dscale = v.readInt16BE(6);
    if (sign === NUMERIC_NAN) return 'NaN';
    if (sign === NUMERIC_PINF) return 'Infinity';
    if (sign === NUMERIC_NINF) return '-Infinity';
    if (v.length !== 8 + 2 * ndigits) throw new ProtocolError('numeric value of the wrong length');
    const digits: number[] = [];
    for (let i = 0; i < ndigits; i++) digits.push(v.readInt16BE(8 + 2 * i));
    let int = '';
    for (let w = weight, i = 0; w >= 0; w--, i++) {
      const d = digits[i] ?? 0;
      int += i === 0 ? String(d) : String(d).padStart(4, '0');
    }
    if (int === '') int = '0';
    let frac = '';
    for (let i = weight + 1; frac.length < dscale; i++)
      frac += String(i < 0 ? 0 : (digits[i] ?? 0)).padStart(4, '0');
    frac = frac.slice(0, dscale);
    return `${sign === NUMERIC_NEG ? '-' : ''}${int}${dscale > 0 ? `.${frac}` : ''}`;
  },
  encode: (t) => {
    const text = t.trim();
    const special = { NaN: NUMERIC_NAN, Infinity: NUMERIC_PINF, '-Infinity': NUMERIC_NINF }[text];
    if (special !== undefined) return header(0, 0, special, 0);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (m === null) throw new Error('not a number');
    const negative = m[1] === '-';
    const intPart = (m[2] ?? '').replace(/^0+/, '');
    const fracPart = m[3] ?? '';
    const dscale = fracPart.length;
    const intGroups: number[] = [];
    for (let end = intPart.length; end > 0; end -= 4)
      intGroups.unshift(Number(intPart.slice(Math.max(0, end - 4), end)));
    const fracGroups: number[] = [];
    for (let i = 0; i < fracPart.length; i += 4)
      fracGroups.push(Number(fracPart.slice(i, i + 4).padEnd(4, '0')));
    let digits = [...intGroups, ...fracGroups];
    let weight = intGroups.length - 1;
    while (digits.length > 0 && digits[0] === 0) {
      digits = digits.slice(1);
      weight--;
    }
    while (digits.length > 0 && digits[digits.length - 1] === 0) digits = digits.slice(0, -1);
    if (digits.length === 0) weight = 0;
    const b = header(
      digits.length,
      weight,
      negative && digits.length > 0 ? NUMERIC_NEG : NUMERIC_POS,
      dscale,
    );
    const out = Buffer.alloc(8 + 2 * digits.length);
    b.copy(out);
    digits.forEach((d, i) => out.writeInt16BE(d, 8 + 2 * i));
    return out;
  },
};

function header(ndigits: number, weight: number, sign: number, dscale: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt16BE(ndigits, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(sign, 4);
  b.writeInt16BE(dscale, 6);
  return b;
}

/** Days and microseconds count from 2000-01-01 (PostgreSQL's epoch). */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

const date: BinaryCodec = {
  decode: (v) => {
    const days = v.readInt32BE(0);
    if (days === 0x7fffffff) return 'infinity';
    if (days === -0x80000000) return '-infinity';
    return new Date(PG_EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10);
  },
  encode: (t) => {
    const b = Buffer.alloc(4);
    if (t === 'infinity') b.writeInt32BE(0x7fffffff);
    else if (t === '-infinity') b.writeInt32BE(-0x80000000);
    else b.writeInt32BE(Math.round((parseDate(t) - PG_EPOCH_MS) / DAY_MS));
    return b;
  },
};

function parseDate(t: string): number {
  const m = /^(\d{4,})-(\d{2})-(\d{2})/.exec(t);
  if (m === null) throw new Error('not a date');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** timestamp and timestamptz: int64 microseconds; text as ISO in UTC (`+00` for timestamptz). */
function timestamp(withZone: boolean): BinaryCodec {
  return {
    decode: (v) => {
      const us = v.readBigInt64BE(0);
      if (us === 0x7fffffffffffffffn) return 'infinity';
      if (us === -0x8000000000000000n) return '-infinity';
      let seconds = us / 1_000_000n;
      let rest = us % 1_000_000n;
      if (rest < 0n) {
        rest += 1_000_000n;
        seconds -= 1n;
      }
      const micros = Number(rest);
      const iso = new Date(PG_EPOCH_MS + Number(seconds) * 1000).toISOString();
      const frac = micros === 0 ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}${withZone ? '+00' : ''}`;
    },
    encode: (t) => {
      const b = Buffer.alloc(8);
      if (t === 'infinity') b.writeBigInt64BE(0x7fffffffffffffffn);
      else if (t === '-infinity') b.writeBigInt64BE(-0x8000000000000000n);
      else {
        const m =
          /^(\d{4,}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?\s*(?:([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(
            t.trim(),
          );
        if (m === null) throw new Error('not a timestamp');
        const offset =
          m[6] === undefined ? 0 : (m[6] === '-' ? -1 : 1) * (Number(m[7]) * 60 + Number(m[8] ?? 0)) * 60_000;
        const ms =
          parseDate(m[1] ?? '') +
          (Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000 -
          offset;
        const micros = Number((m[5] ?? '').padEnd(6, '0'));
        b.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n + BigInt(micros));
      }
      return b;
    },
  };
}

const uuid: BinaryCodec = {
  decode: (v) => {
    const h = v.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
  encode: (t) => {
    const hex = t.replace(/[-{}]/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error('not a uuid');
    return Buffer.from(hex, 'hex');
  },
};

const AF_INET = 2;
const AF_INET6 = 3;

/** inet / cidr: family, bits, is_cidr, address length, address. */
function inet(isCidr: boolean): BinaryCodec {
  return {
    decode: (v) => {
      const family = v[0];
      const bits = v[1] ?? 0;
      const n = v[3] ?? 0;
      const addr = v.subarray(4, 4 + n);
      let text: string;
      if (family === AF_INET) text = [...addr].join('.');
      else {
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(addr.readUInt16BE(i).toString(16));
        text = groups.join(':');
      }
      const full = family === AF_INET ? 32 : 128;
      return bits === full && !isCidr ? text : `${text}/${bits}`;
    },
    encode: (t) => {
      const [address = '', prefix] = t.split('/');
      const v4 = address.includes('.') && !address.includes(':');
      const bytes = v4 ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
      const bits = prefix === undefined ? bytes.length * 8 : Number(prefix);
      return Buffer.concat([Buffer.of(v4 ? AF_INET : AF_INET6, bits, isCidr ? 1 : 0, bytes.length), bytes]);
    },
  };
}

function ipv6Bytes(address: string): Buffer {
  const zone = address.indexOf('%');
  const a = zone < 0 ? address : address.slice(0, zone);
  const [head = '', tail] = a.split('::');
  const part = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const q = g.split('.').map(Number);
        out.push(((q[0] ?? 0) << 8) | (q[1] ?? 0), ((q[2] ?? 0) << 8) | (q[3] ?? 0));
      } else out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g & 0xffff, i * 2));
  return b;
}

const macaddr: BinaryCodec = {
  decode: (v) => [...v].map((x) => x.toString(16).padStart(2, '0')).join(':'),
  encode: (t) => Buffer.from(t.replace(/[^0-9a-fA-F]/g, ''), 'hex'),
};

/** bytea: raw bytes; text as `\x` hex. */
const bytea: BinaryCodec = {
  decode: (v) => `\\x${v.toString('hex')}`,
  encode: (t) => (t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex') : Buffer.from(t, 'latin1')),
};

const bool: BinaryCodec = {
  decode: (v) => (v[0] === 1 ? 't' : 'f'),
  encode: (t) => Buffer.of(t === 't' || t === 'true' ? 1 : 0),
};

const BY_OID: ReadonlyMap<number, BinaryCodec> = new Map<number, BinaryCodec>([
  [16, bool],
  [25, utf8],
  [1043, utf8],
  [1042, utf8],
  [19, utf8],
  [18, utf8],
  [114, utf8],
  [142, utf8],
  [705, utf8],
  [3802, jsonb],
  [21, integer(2)],
  [23, integer(4)],
  [20, integer(8)],
  [26, oid],
  [700, float(4)],
  [701, float(8)],
  [1700, numeric],
  [1082, date],
  [1114, timestamp(false)],
  [1184, timestamp(true)],
  [2950, uuid],
  [869, inet(false)],
  [650, inet(true)],
  [829, macaddr],
  [774, macaddr],
  [17, bytea],
]);

/** Send functions of types outside the built-in list whose binary format is one of the above. */
const BY_SEND: ReadonlyMap<string, BinaryCodec> = new Map<string, BinaryCodec>([
  ['textsend', utf8],
  ['varcharsend', utf8],
  ['bpcharsend', utf8],
  ['namesend', utf8],
  ['citextsend', utf8],
  ['enum_send', utf8],
  ['json_send', utf8],
  ['xml_send', utf8],
  ['unknownsend', utf8],
  ['jsonb_send', jsonb],
  ['int2send', integer(2)],
  ['int4send', integer(4)],
  ['int8send', integer(8)],
  ['numeric_send', numeric],
  ['uuid_send', uuid],
  ['date_send', date],
  ['timestamp_send', timestamp(false)],
  ['timestamptz_send', timestamp(true)],
  ['inet_send', inet(false)],
  ['cidr_send', inet(true)],
  ['macaddr_send', macaddr],
  ['macaddr8_send', macaddr],
  ['byteasend', bytea],
  ['boolsend', bool],
]);

export function builtInCodec(typeOid: number): BinaryCodec | undefined {
  return BY_OID.get(typeOid);
}

export function codecBySend(send: string): BinaryCodec | undefined {
  return BY_SEND.get(send);
}
