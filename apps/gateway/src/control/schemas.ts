/** JSON schemas shared by control routes; they drive validation, serialisation and the OpenAPI document. */

export const errorResponseSchema = {
  $id: 'ErrorResponse',
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Stable error code such as unauthorized, forbidden, not_found' },
    message: { type: 'string', description: 'What went wrong, for a human' },
  },
} as const;

export const targetRefSchema = {
  $id: 'TargetRef',
  type: 'object',
  required: ['name', 'engine', 'environment'],
  properties: {
    name: { type: 'string' },
    engine: { type: 'string', enum: ['postgres', 'mysql'] },
    environment: { type: 'string' },
  },
} as const;

export const sessionInfoSchema = {
  $id: 'SessionInfo',
  type: 'object',
  required: ['id', 'engine', 'subject', 'groups', 'target', 'database', 'clientAddress', 'clientUser', 'tls', 'since', 'statements', 'currentStatement'],
  properties: {
    id: { type: 'string', example: 'ses_0123456789abcdef0123' },
    engine: { type: 'string', enum: ['postgres', 'mysql'] },
    subject: { type: 'string', description: 'Verified identity (token subject or service token name)' },
    groups: { type: 'array', items: { type: 'string' } },
    target: { $ref: 'TargetRef#' },
    database: { type: 'string', description: 'Upstream database' },
    clientAddress: { type: 'string', description: 'host:port of the client' },
    clientUser: { type: 'string', description: 'User name the client sent (recorded, not trusted)' },
    tls: { type: 'boolean', description: 'Whether the client connection uses TLS' },
    since: { type: 'string', format: 'date-time' },
    statements: { type: 'integer', description: 'Statements run so far' },
    currentStatement: { type: ['string', 'null'], description: 'Normalised text (no literals) of the running statement' },
  },
} as const;

export const SHARED_SCHEMAS = [errorResponseSchema, targetRefSchema, sessionInfoSchema] as const;

export const errorRef = { $ref: 'ErrorResponse#' } as const;
