import { SAMPLES } from './samples';
import { payloadOf } from './helpers';

describe('encoders match the naive oracle byte for byte', () => {
  it.each(SAMPLES.map((s, i) => [`${i} ${s.name}`, s] as const))('%s', (_label, sample) => {
    const encoded = sample.encode();
    expect(encoded.toString('hex')).toBe(sample.oracle.toString('hex'));
  });
});

describe('decoders read the oracle bytes back', () => {
  it.each(SAMPLES.map((s, i) => [`${i} ${s.name}`, s] as const))('%s', (_label, sample) => {
    const message = sample.oracle;
    if (!sample.startup) expect(message[0]).toBe(sample.code);
    expect(sample.decode(payloadOf(sample, message))).toEqual(sample.expected);
  });
});

describe('round trip: encoder under test -> decoder', () => {
  it.each(SAMPLES.map((s, i) => [`${i} ${s.name}`, s] as const))('%s', (_label, sample) => {
    expect(sample.decode(payloadOf(sample, sample.encode()))).toEqual(sample.expected);
  });
});
