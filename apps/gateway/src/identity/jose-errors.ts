import { errors } from 'jose';

/** Why a token was refused, in words safe to show the client and to log: never the token or its claims' values. */
export interface TokenRefusal {
  readonly message: string;
  /** The failure is ours (the issuer's keys could not be fetched), not the client's. */
  readonly infrastructure: boolean;
}

const CLAIM_MESSAGES: Record<string, string> = {
  aud: 'the token is not meant for Gatehouse (audience not accepted)',
  iss: 'the token was issued by an issuer that is not trusted',
  nbf: 'the token is not valid yet',
  iat: 'the token was issued in the future',
};

export function describeJoseError(err: unknown): TokenRefusal {
  const refuse = (message: string, infrastructure = false): TokenRefusal => ({ message, infrastructure });
  if (err instanceof errors.JWTExpired) return refuse('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return refuse(`the token has no "${err.claim}" claim`);
    return refuse(CLAIM_MESSAGES[err.claim] ?? `the token's "${err.claim}" claim is not valid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse("the token's signing algorithm is not allowed for its issuer");
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse('the token signature is invalid');
  if (err instanceof errors.JWKSNoMatchingKey) return refuse("no key of the issuer matches the token's key id");
  if (err instanceof errors.JWKSMultipleMatchingKeys) return refuse("several keys of the issuer match the token's key id");
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return refuse("the issuer's signing keys could not be fetched", true);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return refuse('the token is malformed or uses an unsupported format');
  }
  if (err instanceof errors.JOSEError) return refuse('the token could not be verified');
  // Network errors from the JWKS fetch and anything unexpected.
  return refuse("the token could not be verified (the issuer's keys may be unreachable)", true);
}
