import {
  AuditChain,
  eventBody,
  GENESIS_HASH,
  hashLine,
  parseRecordLine,
  recordLine,
  sha256Hex,
} from './audit-record';
import { canonicalJson } from './canonical-json';
import { sampleEvent } from './testing/audit-fixtures';

describe('AuditChain', () => {
  it('numbers records from 1 and chains each to the hash of the previous line', () => {
    const chain = new AuditChain();
    const a = chain.append(sampleEvent(1));
    const b = chain.append(sampleEvent(2));
    expect(JSON.parse(a.line)).toMatchObject({ seq: 1, prev: GENESIS_HASH, type: 'statement.outcome' });
    expect(JSON.parse(b.line)).toMatchObject({ seq: 2, prev: a.hash });
    expect(a.hash).toBe(sha256Hex(Buffer.from(a.line, 'utf8')));
    expect(chain.head).toEqual({ seq: 2, hash: b.hash });
  });

  it('writes exactly the canonical form of the whole record', () => {
    const event = sampleEvent(7);
    const line = recordLine(12, 'f'.repeat(64), eventBody(event));
    expect(line).toBe(canonicalJson({ ...event, seq: 12, prev: 'f'.repeat(64) }));
    expect(parseRecordLine(line)).toMatchObject({ ok: true, record: { seq: 12, type: 'statement.outcome' } });
  });

  it('link does not move the head; commit does', () => {
    const chain = new AuditChain({ seq: 41, hash: 'a'.repeat(64) });
    const linked = chain.link(eventBody(sampleEvent(1)));
    expect(linked.seq).toBe(42);
    expect(chain.head.seq).toBe(41);
    chain.commit(linked);
    expect(chain.head).toEqual({ seq: 42, hash: linked.hash });
  });

  it('refuses events that carry the envelope keys or no type/time', () => {
    expect(() => eventBody({ ...sampleEvent(1), seq: 9 } as never)).toThrow(/seq/);
    expect(() => eventBody({ ...sampleEvent(1), prev: 'x' } as never)).toThrow(/prev/);
    expect(() => eventBody({ time: 'x' } as never)).toThrow(/type/);
  });

  it('hashes non-ASCII text as UTF-8', () => {
    expect(hashLine('é')).toBe(sha256Hex(Buffer.from([0xc3, 0xa9])));
  });
});

describe('parseRecordLine', () => {
  const good = recordLine(1, GENESIS_HASH, eventBody(sampleEvent(1)));

  it.each([
    ['not JSON', '{"seq":1,', 'malformed'],
    ['an array', '[1]', 'malformed'],
    ['seq 0', good.replace('"seq":1', '"seq":0'), 'malformed'],
    ['short prev', good.replace(GENESIS_HASH, 'abc'), 'malformed'],
    ['a space added', good.replace('"seq":1,', '"seq": 1,'), 'edited'],
    ['keys reordered', `{"prev":"${GENESIS_HASH}","seq":1,${good.slice(good.indexOf('"type"'))}`, 'edited'],
  ])('rejects %s', (_name, line, kind) => {
    expect(parseRecordLine(line)).toMatchObject({ ok: false, kind });
  });
});
