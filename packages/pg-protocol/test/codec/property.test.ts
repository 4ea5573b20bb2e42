import fc from 'fast-check';
import * as codec from '../../src/codec';
import { MessageReader, ProtocolError } from '../../src/codec';
import { cut, expectZeroCopy, frameAll, payloadOf } from './helpers';
import { build, SAMPLES, type Sample } from './samples';

// ---- arbitraries

/** Any Unicode text without NUL (lone surrogates excluded: they are not UTF-8). */
const text = (maxLength = 24): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', maxLength }).map((s) => s.replaceAll('\0', ''));
const bytes = (maxLength = 48): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const int16 = fc.integer({ min: -32768, max: 32767 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const value = fc.oneof(fc.constant(null), bytes(), text());
const target = fc.constantFrom<'S' | 'P'>('S', 'P');
const status = fc.constantFrom<'I' | 'T' | 'E'>('I', 'T', 'E');

/** Bind/FunctionCall: 0, 1 or one format per value (the server's rule). */
const valuesWithFormats = fc.array(value, { maxLength: 6 }).chain((values) =>
  fc
    .oneof(fc.constant(0), fc.constant(Math.min(1, values.length)), fc.constant(values.length))
    .chain((n) => fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }))
    .map((formats) => ({ values, formats })),
);

const startupParams = fc.uniqueArray(
  fc.tuple(
    text(16).filter((s) => s !== ''),
    text(32),
  ),
  {
    maxLength: 8,
    selector: ([name]) => name,
  },
);

const errorFields: fc.Arbitrary<codec.ErrorFields> = fc.record(
  {
    severity: text(8),
    severityNonLocalized: text(8),
    code: text(5),
    message: text(),
    detail: text(),
    hint: text(),
    position: text(4),
    where: text(),
    table: text(8),
    routine: text(8),
  },
  { requiredKeys: ['severity', 'code', 'message'] },
);

const rowField = fc.record({
  name: text(12),
  tableOid: uint32,
  columnAttr: int16,
  typeOid: uint32,
  typeSize: int16,
  typeModifier: int32,
  format: int16,
});

const startupSample: fc.Arbitrary<Sample> = fc.oneof(
  fc.tuple(startupParams, fc.integer({ min: 0, max: 65535 })).map(([p, minor]) => build.startup(p, minor)),
  fc.constant(build.sslRequest()),
  fc.constant(build.gssencRequest()),
  fc
    .tuple(int32, fc.uint8Array({ minLength: 4, maxLength: 256 }))
    .map(([pid, key]) => build.cancelRequest(pid, Buffer.from(key))),
);

const typedSample: fc.Arbitrary<Sample> = fc.oneof(
  text().map(build.password),
  fc.tuple(text(16), fc.option(bytes(), { nil: null })).map(([m, d]) => build.saslInitial(m, d)),
  bytes().map(build.saslResponse),
  text(64).map(build.query),
  fc.tuple(text(8), text(), fc.array(uint32, { maxLength: 5 })).map(([n, q, t]) => build.parse(n, q, t)),
  fc
    .tuple(text(8), text(8), valuesWithFormats, fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 4 }))
    .map(([p, s, { values, formats }, rf]) => build.bind(p, s, formats, values, rf)),
  fc.tuple(target, text(8)).map(([t, n]) => build.describe(t, n)),
  fc.tuple(target, text(8)).map(([t, n]) => build.close(t, n)),
  fc.tuple(text(8), int32).map(([p, n]) => build.execute(p, n)),
  fc.constant(build.sync()),
  fc.constant(build.flush()),
  bytes(200).map(build.copyData),
  fc.constant(build.copyDone()),
  text().map(build.copyFail),
  fc.constant(build.terminate()),
  fc
    .tuple(uint32, valuesWithFormats, int16)
    .map(([oid, { values, formats }, rf]) => build.functionCall(oid, formats, values, rf)),
  fc.constant(build.authOk()),
  fc.constant(build.authCleartext()),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((s) => build.authMd5(Buffer.from(s))),
  fc
    .array(
      text(20).filter((s) => s !== ''),
      { minLength: 1, maxLength: 4 },
    )
    .map(build.authSasl),
  bytes().map(build.authSaslContinue),
  bytes().map(build.authSaslFinal),
  fc.tuple(text(16), text()).map(([n, v]) => build.parameterStatus(n, v)),
  fc
    .tuple(int32, fc.uint8Array({ minLength: 4, maxLength: 64 }))
    .map(([p, k]) => build.backendKeyData(p, Buffer.from(k))),
  status.map(build.readyForQuery),
  errorFields.map(build.errorResponse),
  errorFields.map(build.noticeResponse),
  text(16).map(build.commandComplete),
  fc.constant(build.emptyQuery()),
  fc.array(rowField, { maxLength: 5 }).map(build.rowDescription),
  fc.array(value, { maxLength: 8 }).map(build.dataRow),
  fc.constant(build.parseComplete()),
  fc.constant(build.bindComplete()),
  fc.constant(build.closeComplete()),
  fc.constant(build.noData()),
  fc.constant(build.portalSuspended()),
  fc.array(uint32, { maxLength: 6 }).map(build.parameterDescription),
  fc.tuple(int32, text(12), text()).map(([p, c, t]) => build.notification(p, c, t)),
  fc
    .tuple(fc.integer({ min: 0, max: 1 }), fc.array(int16, { maxLength: 5 }))
    .map(([f, c]) => build.copyIn(f, c)),
  fc
    .tuple(fc.integer({ min: 0, max: 1 }), fc.array(int16, { maxLength: 5 }))
    .map(([f, c]) => build.copyOut(f, c)),
  fc
    .tuple(fc.integer({ min: 0, max: 1 }), fc.array(int16, { maxLength: 5 }))
    .map(([f, c]) => build.copyBoth(f, c)),
  fc.option(bytes(), { nil: null }).map(build.functionCallResponse),
  fc.tuple(int32, fc.array(text(16), { maxLength: 3 })).map(([m, o]) => build.negotiate(m, o)),
);

/** A connection's worth of messages: optionally a startup packet first. */
const sequence = fc
  .tuple(fc.option(startupSample, { nil: undefined }), fc.array(typedSample, { minLength: 1, maxLength: 25 }))
  .map(([first, rest]) => (first === undefined ? rest : [first, ...rest]));

/** Sorted cut offsets into a stream of `length` bytes. */
const cutsFor = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 }).map((a) => a.sort((x, y) => x - y));

// ---- every decoder, for the "nothing but ProtocolError" properties

const DECODERS: [string, (payload: Buffer) => unknown][] = [
  ['decodeStartupPacket', codec.decodeStartupPacket],
  ['decodeQuery', codec.decodeQuery],
  ['decodeParse', codec.decodeParse],
  ['decodeBind', codec.decodeBind],
  ['decodeDescribe', codec.decodeDescribe],
  ['decodeClose', codec.decodeClose],
  ['decodeExecute', codec.decodeExecute],
  ['decodeCopyFail', codec.decodeCopyFail],
  ['decodeFunctionCall', codec.decodeFunctionCall],
  ['decodePasswordMessage', codec.decodePasswordMessage],
  ['decodeSaslInitialResponse', codec.decodeSaslInitialResponse],
  ['decodeSaslResponse', codec.decodeSaslResponse],
  ['decodeAuthentication', codec.decodeAuthentication],
  ['decodeParameterStatus', codec.decodeParameterStatus],
  ['decodeBackendKeyData', codec.decodeBackendKeyData],
  ['decodeReadyForQuery', codec.decodeReadyForQuery],
  ['decodeErrorFields', codec.decodeErrorFields],
  ['decodeCommandComplete', codec.decodeCommandComplete],
  ['decodeRowDescription', codec.decodeRowDescription],
  ['decodeDataRow', codec.decodeDataRow],
  ['decodeParameterDescription', codec.decodeParameterDescription],
  ['decodeNotification', codec.decodeNotification],
  ['decodeCopyResponse', codec.decodeCopyResponse],
  ['decodeNegotiateProtocolVersion', codec.decodeNegotiateProtocolVersion],
  ['decodeFunctionCallResponse', codec.decodeFunctionCallResponse],
];

function onlyProtocolError(run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
}

/** Truncate, flip, insert or delete bytes of a valid payload: near-valid input reaches deep code paths. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

type Mutation = { kind: 'truncate' | 'set' | 'insert' | 'delete'; at: number; byte?: number };

function mutate(payload: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(payload);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), Buffer.from([m.byte ?? 0]), out.subarray(at)]);
    else if (at < out.length) out[at] = m.byte ?? 0;
  }
  return out;
}

// ---- properties

describe('property: random bytes raise nothing but ProtocolError', () => {
  it.each([false, true])('MessageReader (startup mode: %s), random chunks', (startup) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 8, max: 400 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
        (data, maxMessageSize, offsets) => {
          const buffer = Buffer.from(data);
          const reader = new MessageReader({ maxMessageSize, startup });
          let framed = 0;
          let pushed = 0;
          onlyProtocolError(() => {
            for (const chunk of cut(
              buffer,
              offsets.map((o) => o % (buffer.length + 1)).sort((a, b) => a - b),
            )) {
              reader.push(chunk);
              pushed += chunk.length;
              while (reader.next()) {
                const length = reader.end - reader.messageStart;
                expect(length).toBeGreaterThanOrEqual(startup ? 8 : 5);
                expect(length).toBeLessThanOrEqual(maxMessageSize + (startup ? 0 : 1));
                expect(reader.raw().equals(buffer.subarray(framed, framed + length))).toBe(true);
                framed += length;
              }
              expect(reader.pendingBytes).toBe(pushed - framed);
            }
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('MessageReader, frames with plausible headers and random bodies', () => {
    const frame = fc
      .tuple(
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -3, max: 3 }),
      )
      .map(([code, body, skew]) => {
        const out = Buffer.alloc(5 + body.length);
        out[0] = code;
        out.writeInt32BE(body.length + 4 + skew, 1);
        Buffer.from(body).copy(out, 5);
        return out;
      });
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, offsets) => {
          const stream = Buffer.concat(frames);
          const reader = new MessageReader({ maxMessageSize: 44 });
          onlyProtocolError(() => {
            for (const chunk of cut(
              stream,
              offsets.map((o) => o % (stream.length + 1)).sort((a, b) => a - b),
            )) {
              reader.push(chunk);
              while (reader.next()) reader.payload();
            }
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it.each(DECODERS)('%s on random bytes', (_name, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (data) =>
        onlyProtocolError(() => decode(Buffer.from(data))),
      ),
      { numRuns: 1000 },
    );
  });

  it('every decoder on mutated valid payloads', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (sample, mutations) => {
          const payload = mutate(payloadOf(sample, sample.oracle), mutations);
          onlyProtocolError(() => sample.decode(payload));
          for (const [, decode] of DECODERS) onlyProtocolError(() => decode(payload));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('property: valid messages', () => {
  it('encoders match the naive oracle and decode back to their input', () => {
    fc.assert(
      fc.property(fc.oneof(startupSample, typedSample), (sample) => {
        const encoded = sample.encode();
        expect(encoded.toString('hex')).toBe(sample.oracle.toString('hex'));
        expect(sample.decode(payloadOf(sample, encoded))).toEqual(sample.expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('random sequences split at random points frame and decode to the same messages', () => {
    fc.assert(
      fc.property(
        sequence.chain((samples) => {
          const stream = Buffer.concat(samples.map((s) => s.oracle));
          return fc.tuple(fc.constant(samples), fc.constant(stream), cutsFor(stream.length));
        }),
        ([samples, stream, cuts]) => {
          const chunks = cut(stream, cuts);
          const framed = frameAll(chunks, samples[0]?.startup ? 1 : 0);
          expect(framed).toHaveLength(samples.length);
          framed.forEach((message, i) => {
            const sample = samples[i] as Sample;
            expect(message.code).toBe(sample.code);
            expect(message.raw.equals(sample.oracle)).toBe(true);
            expect(sample.decode(message.payload)).toEqual(sample.expected);
          });
          expectZeroCopy(chunks, framed);
        },
      ),
      { numRuns: 500 },
    );
  });
});
