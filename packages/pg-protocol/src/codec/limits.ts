/** Bounds on lengths and counts read from the wire, beyond the message size itself. */
export const Limits = {
  /** PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
  maxStartupPacketLength: 10000,
  /** Startup parameters accepted in one StartupMessage; real clients send about ten. */
  maxStartupParameters: 64,
  /** Bytes in a startup parameter name (GUC names, `_pq_.` options). */
  maxStartupNameLength: 256,
  /** Bytes in a startup parameter value (`options` can be long; the packet bound still applies). */
  maxStartupValueLength: 8192,
  /** Cancel secret key: 4 bytes in protocol 3.0, up to 256 in 3.2. */
  minCancelKeyLength: 4,
  maxCancelKeyLength: 256,
  /** SASL mechanisms listed in one AuthenticationSASL message. */
  maxSaslMechanisms: 32,
} as const;
