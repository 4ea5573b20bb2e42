export { IdentityService, createIdentityService, type IdentityServiceOptions } from './identity-service';
export { ensureDevIssuer, signDevToken, DEV_JWKS_FILE, DEV_PRIVATE_KEY_FILE, type DevIssuerKeys, type DevTokenClaims } from './dev-issuer';
export { serviceTokenDigest } from './service-tokens';
export { readGroupsClaim } from './groups-claim';
