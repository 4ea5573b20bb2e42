import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { startMaskingGateway, type MaskingGateway } from './masking-fixture';
import { extendedQuery, simpleQuery } from './masking-wire-client';

/**
 * bytea on the wire: bytes that are UTF-8 text are scanned like text and
 * their spans masked, in the hex and escape text formats and in binary, and
 * what the client gets is still a bytea it parses; random binary (a PNG
 * header, sha256 digests) passes as it was; a column named for a secret is
 * hidden whatever it holds.
 */
const NOTE = 'call jane.doe@example.com, ssn 536-22-8845';
const NOTE_MASKED = 'call j***@example.com, ssn ***-**-8845';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

describe('masking bytea values', () => {
  let gw: MaskingGateway;
  let dev: Client;
  let T: string;

  beforeAll(async () => {
    gw = await startMaskingGateway();
    T = `${gw.schema}.files`;
    const setup = gw.direct();
    await setup.connect();
    await setup.query(
      `create table ${T} (id int primary key, attachment bytea, private_key bytea, digest bytea);
       insert into ${T} values
         (1, convert_to($1, 'UTF8'), convert_to($2, 'UTF8'), sha256(convert_to('jane.doe@example.com', 'UTF8'))),
         (2, decode($3, 'hex'), decode('00ff10', 'hex'), sha256('x'::bytea)),
         (3, convert_to('gift wrap, thanks', 'UTF8'), null, '\\x'::bytea)`
        .replace(/\$1/, `'${NOTE}'`)
        .replace(/\$2/, `'${PEM}'`)
        .replace(/\$3/, `'${PNG.toString('hex')}'`),
    );
    await setup.end();
    dev = gw.client();
    await dev.connect();
  });
  afterAll(async () => {
    await dev.end();
    await gw.stop();
  });

  const expected = () => [
    {
      id: 1,
      attachment: Buffer.from(NOTE_MASKED),
      private_key: Buffer.alloc(0),
      digest: sha256('jane.doe@example.com'),
    },
    { id: 2, attachment: PNG, private_key: Buffer.alloc(0), digest: sha256('x') },
    { id: 3, attachment: Buffer.from('gift wrap, thanks'), private_key: null, digest: Buffer.alloc(0) },
  ];

  it('masks text held as bytes in hex output, leaves binary alone, hides a secret-named column (node-postgres)', async () => {
    const r = await dev.query(`select id, attachment, private_key, digest from ${T} order by id`);
    expect(r.rows).toEqual(expected());
  });

  it('the same in escape output (bytea_output = escape)', async () => {
    const c = gw.client();
    await c.connect();
    try {
      await c.query('set bytea_output = escape');
      const r = await c.query(`select id, attachment, private_key, digest from ${T} order by id`);
      expect(r.rows).toEqual(expected());
      const text = await simpleQuery(
        gw.port,
        `set bytea_output = escape; select attachment from ${T} where id = 1`,
      );
      expect(text.rows[0]?.[0]?.toString('latin1')).toBe(NOTE_MASKED);
    } finally {
      await c.end();
    }
  });

  it('masks a bytea cast to text (its hex) as the bytea', async () => {
    const r = await dev.query(`select attachment::text as t, digest::text as d from ${T} where id = 1`);
    expect(r.rows).toEqual([
      {
        t: `\\x${Buffer.from(NOTE_MASKED).toString('hex')}`,
        d: `\\x${sha256('jane.doe@example.com').toString('hex')}`,
      },
    ]);
  });

  it('masks the bytes in binary results (Bind with result format 1)', async () => {
    const r = await extendedQuery(
      gw.port,
      `select id, attachment, private_key, digest from ${T} order by id`,
      [1],
    );
    expect(r.errors).toEqual([]);
    expect(r.rows.map((row) => row.slice(1))).toEqual(
      expected().map((e) => [e.attachment, e.private_key, e.digest]),
    );
  });

  it('masks bytea in COPY text output, hex kept', async () => {
    const r = await simpleQuery(gw.port, `copy (select attachment, digest from ${T} order by id) to stdout`);
    expect(r.copy.map((d) => d.toString('latin1'))).toEqual([
      `\\\\x${Buffer.from(NOTE_MASKED).toString('hex')}\t\\\\x${sha256('jane.doe@example.com').toString('hex')}\n`,
      `\\\\x${PNG.toString('hex')}\t\\\\x${sha256('x').toString('hex')}\n`,
      `\\\\x${Buffer.from('gift wrap, thanks').toString('hex')}\t\\\\x\n`,
    ]);
  });

  it('an unmasked identity gets every value as stored', async () => {
    const c = gw.client('token-dba');
    await c.connect();
    try {
      const r = await c.query(`select attachment, private_key from ${T} where id = 1`);
      expect(r.rows).toEqual([{ attachment: Buffer.from(NOTE), private_key: Buffer.from(PEM) }]);
    } finally {
      await c.end();
    }
  });
});
