import { AuditChain, eventBody, hashLine, sha256Hex } from './audit-record';
import { chainRecoveredEvent, chainRotatedEvent } from './chain-events';
import { parseExpectedHead } from './chain-verifier';
import { chainLines, joinLines, sampleEvent, T0 } from './testing/audit-fixtures';
import { verifyChain } from './verify-chain';

const lines = chainLines(6);
const hashOf = (seq: number): string => hashLine(lines[seq - 1] as string);

function without(seqs: number[]): string[] {
  return lines.filter((_l, i) => !seqs.includes(i + 1));
}

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', () => {
    const result = verifyChain(joinLines(lines));
    expect(result).toMatchObject({
      ok: true,
      records: 6,
      files: 1,
      startsAtGenesis: true,
      head: { seq: 6, hash: hashOf(6), file: '<input>', line: 6 },
      break: null,
    });
  });

  it('accepts an empty input as an empty chain', () => {
    expect(verifyChain('')).toMatchObject({ ok: true, records: 0, head: null });
  });

  // Each case: the tampered content, then the break: kind, line, seq, and words the message must hold.
  const cases: [string, string, { kind: string; line: number; seq: number | null; words: RegExp }][] = [
    [
      'a field of a middle record edited',
      joinLines(lines.map((l, i) => (i === 2 ? l.replace('"rows_returned":3', '"rows_returned":4') : l))),
      { kind: 'edited', line: 3, seq: 3, words: /record seq 3 was changed .* prev of seq 4 \(<input>:4\)/ },
    ],
    [
      'a record re-serialised with spaces',
      joinLines(
        lines.map((l, i) => (i === 1 ? JSON.stringify(JSON.parse(l), null, 1).replace(/\n/g, '') : l)),
      ),
      { kind: 'edited', line: 2, seq: null, words: /line 2 is not a valid record: .*changed after writing/ },
    ],
    [
      'the genesis prev of the first record edited',
      joinLines([
        (lines[0] as string).replace(/"prev":"0{64}"/, `"prev":"${'1'.repeat(64)}"`),
        ...lines.slice(1),
      ]),
      { kind: 'edited', line: 1, seq: 1, words: /genesis/ },
    ],
    [
      'a middle record deleted',
      joinLines(without([3])),
      { kind: 'removed', line: 3, seq: 4, words: /seq jumps from 2 \(<input>:2\) to 4: record 3 is missing/ },
    ],
    [
      'two records deleted',
      joinLines(without([3, 4])),
      { kind: 'removed', line: 3, seq: 5, words: /records 3\.\.4 are missing/ },
    ],
    [
      'the first record deleted',
      joinLines(without([1])),
      { kind: 'removed', line: 1, seq: 2, words: /starts at seq 2, not 1/ },
    ],
    [
      'two neighbours swapped',
      joinLines([lines[0], lines[1], lines[3], lines[2], lines[4], lines[5]] as string[]),
      { kind: 'reordered', line: 3, seq: 4, words: /seq 3 turns up later \(<input>:4\)/ },
    ],
    [
      'a record moved back',
      joinLines([lines[0], lines[1], lines[2], lines[4], lines[5], lines[3]] as string[]),
      { kind: 'reordered', line: 4, seq: 5, words: /out of order/ },
    ],
    [
      'a record repeated',
      joinLines([lines[0], lines[1], lines[1], lines[2]] as string[]),
      { kind: 'reordered', line: 3, seq: 2, words: /seq 2 appears twice/ },
    ],
    [
      'the last line cut short',
      joinLines(lines.slice(0, 5)) + (lines[5] as string).slice(0, 40),
      { kind: 'truncated', line: 6, seq: null, words: /ends with 40 bytes that are not a complete record/ },
    ],
    [
      'a line of garbage inserted',
      joinLines([lines[0], 'not a record', ...lines.slice(1)] as string[]),
      { kind: 'malformed', line: 2, seq: null, words: /line 2 is not a valid record: it is not valid JSON/ },
    ],
  ];

  it.each(cases)('detects %s', (_name, content, expected) => {
    const result = verifyChain(content);
    expect(result.ok).toBe(false);
    expect(result.break).toMatchObject({
      kind: expected.kind,
      file: '<input>',
      line: expected.line,
      seq: expected.seq,
    });
    expect(result.break?.reason).toMatch(expected.words);
  });

  it('names the last good record before the break as the head', () => {
    const result = verifyChain(joinLines(without([4])));
    expect(result.records).toBe(3);
    expect(result.head).toMatchObject({ seq: 3, hash: hashOf(3) });
    const edited = verifyChain(
      joinLines(lines.map((l, i) => (i === 2 ? l.replace('"rows_returned":3', '"rows_returned":9') : l))),
    );
    expect(edited).toMatchObject({ records: 2, head: { seq: 2, hash: hashOf(2) } });
    const firstEdited = verifyChain(
      joinLines(lines.map((l, i) => (i === 0 ? l.replace('"rows_returned":1', '"rows_returned":9') : l))),
    );
    expect(firstEdited).toMatchObject({ records: 0, head: null, break: { kind: 'edited', line: 1, seq: 1 } });
  });

  describe('--expect-head', () => {
    it('passes when the anchored record is in the chain, also after the chain grew', () => {
      expect(verifyChain(joinLines(lines), { expectHead: { seq: 6, hash: hashOf(6) } })).toMatchObject({
        ok: true,
        expectedHeadSeq: 6,
      });
      expect(verifyChain(joinLines(lines), { expectHead: { seq: null, hash: hashOf(4) } })).toMatchObject({
        ok: true,
        expectedHeadSeq: 4,
      });
    });

    it('reports a removed tail as truncated', () => {
      const cut = joinLines(lines.slice(0, 4));
      expect(verifyChain(cut).ok).toBe(true);
      const withSeq = verifyChain(cut, { expectHead: { seq: 6, hash: hashOf(6) } });
      expect(withSeq.break).toMatchObject({ kind: 'truncated', line: 4, seq: 4 });
      expect(withSeq.break?.reason).toMatch(/ends at seq 4, before the expected head seq 6/);
      const hashOnly = verifyChain(cut, { expectHead: { seq: null, hash: hashOf(6) } });
      expect(hashOnly.break).toMatchObject({ kind: 'truncated' });
      expect(hashOnly.break?.reason).toMatch(/is not in it/);
    });

    it('reports an edited last record as edited', () => {
      const edited = [
        ...lines.slice(0, 5),
        (lines[5] as string).replace('"rows_returned":6', '"rows_returned":7'),
      ];
      expect(verifyChain(joinLines(edited)).ok).toBe(true);
      const result = verifyChain(joinLines(edited), { expectHead: { seq: 6, hash: hashOf(6) } });
      expect(result.break).toMatchObject({ kind: 'edited', line: 6, seq: 6 });
    });

    it('parses HASH and SEQ:HASH', () => {
      const h = 'AB'.repeat(32);
      expect(parseExpectedHead(h)).toEqual({ seq: null, hash: h.toLowerCase() });
      expect(parseExpectedHead(`12:${h}`)).toEqual({ seq: 12, hash: h.toLowerCase() });
      expect(parseExpectedHead('12:abc')).toBeNull();
      expect(parseExpectedHead(`0:${h}`)).toBeNull();
    });
  });

  describe('torn lines', () => {
    function tornThenRecovered(torn: string): string {
      const chain = new AuditChain();
      const head = chainLines(3, chain);
      const region = Buffer.from(`${torn}\n`);
      const recovered = chain.append(chainRecoveredEvent(region, T0)).line;
      const after = chain.append(sampleEvent(5)).line;
      return joinLines([...head, torn, recovered, after]);
    }

    it('accepts a torn region vouched for by chain.recovered, and reports it', () => {
      const result = verifyChain(tornThenRecovered('{"seq":4,"prev":"ab'));
      expect(result).toMatchObject({ ok: true, records: 5 });
      expect(result.recovered).toEqual([{ file: '<input>', line: 4, lines: 1, bytes: 20 }]);
    });

    it('rejects a region whose bytes differ from what chain.recovered vouched for', () => {
      const content = tornThenRecovered('{"seq":4,"prev":"ab').replace(
        '{"seq":4,"prev":"ab',
        '{"seq":4,"prev":"cd',
      );
      expect(verifyChain(content).break).toMatchObject({ kind: 'malformed', line: 4 });
    });

    it('treats a chain.recovered with no region before it as an ordinary record', () => {
      const chain = new AuditChain();
      const all = [...chainLines(2, chain), chain.append(chainRecoveredEvent(Buffer.from('x\n'), T0)).line];
      expect(verifyChain(joinLines(all)).ok).toBe(true);
    });
  });

  describe('several files', () => {
    function rotated(): { name: string; data: string }[] {
      const chain = new AuditChain();
      const a = chainLines(3, chain);
      const b = [chain.append(chainRotatedEvent('audit-a.jsonl', T0)).line, ...chainLines(2, chain)];
      const c = [chain.append(chainRotatedEvent('audit-b.jsonl', T0)).line, ...chainLines(2, chain)];
      return [
        { name: 'audit-a.jsonl', data: joinLines(a) },
        { name: 'audit-b.jsonl', data: joinLines(b) },
        { name: 'audit.jsonl', data: joinLines(c) },
      ];
    }

    it('verifies rotated files as one chain, given in any order', () => {
      const [a, b, c] = rotated() as [
        { name: string; data: string },
        { name: string; data: string },
        { name: string; data: string },
      ];
      for (const order of [
        [a, b, c],
        [c, a, b],
        [b, c, a],
      ]) {
        expect(verifyChain(order)).toMatchObject({
          ok: true,
          records: 9,
          files: 3,
          head: { seq: 9, file: 'audit.jsonl', line: 3 },
        });
      }
    });

    it('reports a missing middle file as removed records', () => {
      const [a, , c] = rotated() as { name: string; data: string }[];
      const result = verifyChain([a, c] as { name: string; data: string }[]);
      expect(result.break).toMatchObject({ kind: 'removed', file: 'audit.jsonl', line: 1, seq: 7 });
    });

    it('needs --allow-partial to verify from a later file alone', () => {
      const [, , c] = rotated() as { name: string; data: string }[];
      const strict = verifyChain([c as { name: string; data: string }]);
      expect(strict.break).toMatchObject({ kind: 'removed', seq: 7 });
      expect(strict.break?.reason).toMatch(/--allow-partial/);
      expect(verifyChain([c as { name: string; data: string }], { allowPartial: true })).toMatchObject({
        ok: true,
        records: 3,
        startsAtGenesis: false,
        first: { seq: 7 },
      });
    });

    it('reports a torn end of a file that is not the last as truncated', () => {
      const [a, b] = rotated() as { name: string; data: string }[];
      const cut = { name: 'audit-a.jsonl', data: (a as { data: string }).data.slice(0, -10) };
      expect(verifyChain([cut, b] as { name: string; data: string }[]).break).toMatchObject({
        kind: 'truncated',
        file: 'audit-a.jsonl',
        line: 3,
      });
    });
  });

  it('verifies bytes as written, non-ASCII included', () => {
    const chain = new AuditChain();
    const line = chain.append({ ...sampleEvent(1), session_id: 'sés_ü' }).line;
    expect(verifyChain(Buffer.from(`${line}\n`, 'utf8'))).toMatchObject({
      ok: true,
      head: { hash: sha256Hex(Buffer.from(line)) },
    });
    expect(eventBody(sampleEvent(1))).not.toContain('\n');
  });
});
