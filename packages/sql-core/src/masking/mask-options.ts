import type { CountryCode } from 'libphonenumber-js';
import type { Dialect } from '../analysis/statement-facts';
import type { PseudonymKey } from './masks/deterministic';

/** How values are masked; one frozen object per gateway configuration. */
export interface MaskOptions {
  /**
   * Use keyed deterministic pseudonyms (HMAC-SHA256) instead of the partial
   * masks, for kinds of value that have one (emails, phones, ids, names,
   * uuids, integers), so masked columns still join and group. Needs `key`.
   */
  readonly deterministic?: boolean;
  /** Secret for deterministic pseudonyms (the gateway reads it from its environment). */
  readonly key?: PseudonymKey | null;
  /** Region for phone numbers written without `+` in free text. Default `US`. */
  readonly defaultCountry?: CountryCode;
  /** Whose text format the values are in: bytea and boolean literals differ. Default `postgres`. */
  readonly dialect?: Dialect;
}

export const DEFAULT_MASK_OPTIONS: MaskOptions = Object.freeze({ defaultCountry: 'US', dialect: 'postgres' });
