import type { ChainRecoveredEvent, ChainRotatedEvent } from './audit-event';
import { sha256Hex } from './audit-record';

/** First record of a new file: chains to the last record of `rotatedFrom`. */
export function chainRotatedEvent(rotatedFrom: string | null, time: Date = new Date()): ChainRotatedEvent {
  return { type: 'chain.rotated', time: time.toISOString(), rotated_from: rotatedFrom };
}

/**
 * Notes a torn region (bytes after the last complete record, from a write cut
 * short by a crash or a full disk), now terminated by a newline. The region
 * stays in the file as evidence and out of the chain; this record, which
 * chains to the last complete record, vouches for its exact length and hash.
 */
export function chainRecoveredEvent(tornRegion: Uint8Array, time: Date = new Date()): ChainRecoveredEvent {
  return {
    type: 'chain.recovered',
    time: time.toISOString(),
    torn_bytes: tornRegion.length,
    torn_sha256: sha256Hex(tornRegion),
  };
}
