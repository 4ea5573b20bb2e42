import { randomBytes } from 'node:crypto';

/** Crockford base32, the ULID alphabet (no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10; // 48-bit millisecond timestamp
const RANDOM_CHARS = 16; // 80 bits of randomness

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A ULID: 26 characters, lexicographically sortable by creation time.
 * Monotonic within one process: ids made in the same millisecond increment
 * the random part instead of drawing a new one, so they still sort in order.
 */
export function ulid(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now) || now < 0 || now > 2 ** 48 - 1)
    throw new RangeError('ulid: time out of range');
  if (now === lastTime) {
    increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  return encodeTime(now) + lastRandom.map((d) => ALPHABET[d]).join('');
}

/** An approval request id: `apr_` + ULID. */
export function newApprovalId(): string {
  return `apr_${ulid()}`;
}

const APPROVAL_ID = /^apr_[0-9A-HJKMNP-TV-Z]{26}$/;

/** True for ids `newApprovalId` could have made; used to refuse junk before touching Redis. */
export function isApprovalId(id: string): boolean {
  return APPROVAL_ID.test(id);
}

function encodeTime(now: number): string {
  let out = '';
  let t = now;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomBytes(RANDOM_CHARS);
  // 5 bits per character; the top bit is cleared so an increment has room before overflowing.
  const digits = Array.from(bytes, (b) => b & 31);
  digits[0] = (digits[0] ?? 0) & 15;
  return digits;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = (digits[i] ?? 0) + 1;
    if (d < 32) {
      digits[i] = d;
      return;
    }
    digits[i] = 0;
  }
  // 2^79 ids in one millisecond: not reachable; start over rather than wrap silently.
  digits.splice(0, digits.length, ...freshRandom());
}
