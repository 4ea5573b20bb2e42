/** How a client proved who it is. */
export const AuthMethod = { jwt: 'jwt', serviceToken: 'service_token' } as const;
export type AuthMethod = (typeof AuthMethod)[keyof typeof AuthMethod];

/**
 * Who is acting. The subject and groups come from a verified credential; the
 * user name the client sent is recorded but never trusted.
 */
export interface Identity {
  readonly subject: string;
  readonly groups: readonly string[];
  readonly authMethod: AuthMethod;
  /** JWT issuer, or the service token's configured name. */
  readonly issuer: string;
  /** Seconds since the epoch when the credential stops being valid, if it says. */
  readonly expiresAt?: number;
}

/** Verifies a client's credential. Implemented by the gateway's identity service. */
export interface CredentialVerifier {
  verify(credential: string, signal?: AbortSignal): Promise<Identity>;
}
