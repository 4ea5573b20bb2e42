import { randomBytes } from 'node:crypto';

/** Opaque, unguessable session id: `ses_` + 20 hex chars. */
export function newSessionId(): string {
  return `ses_${randomBytes(10).toString('hex')}`;
}
