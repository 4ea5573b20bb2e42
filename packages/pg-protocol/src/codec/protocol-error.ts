/**
 * Malformed PostgreSQL wire input, or a value the codec cannot put on the wire
 * (a string containing NUL where the protocol needs a NUL-terminated string).
 * The only error the codec raises for bad bytes; the engine turns it into a
 * fatal ErrorResponse (SQLSTATE 08P01) and closes that session.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(message: string) {
    super(message);
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
