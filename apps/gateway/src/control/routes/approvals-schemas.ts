import { APPROVAL_STATUSES } from '@gatehouse/approvals';

/**
 * JSON schemas of /v1/approvals: they validate requests, shape responses
 * (only the properties named here are sent) and make the OpenAPI document.
 * The SHA-256 of the statement text is left out on purpose: the text holds
 * literals, and a hash of a short literal can be guessed.
 */

const strings = { type: 'array', items: { type: 'string' } } as const;
const time = { type: 'string', format: 'date-time' } as const;
const timeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

export const approvalIdParams = {
  type: 'object',
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      pattern: '^apr_[0-9A-HJKMNP-TV-Z]{26}$',
      description: 'Approval id, apr_ followed by a ULID',
    },
  },
} as const;

export const approvalListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...APPROVAL_STATUSES], description: 'Only requests with this status' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    before: { ...time, description: 'Only requests created before this time: the next page' },
  },
} as const;

export const decisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000, description: 'Why; required to deny' } },
} as const;

export const denyBody = {
  ...decisionBody,
  required: ['reason'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 1000, description: 'Why the statement must not run' },
  },
} as const;

const statementSummary = {
  type: 'object',
  required: ['kind', 'command', 'normalized', 'fingerprint', 'tablesRead', 'tablesWritten', 'guardrails'],
  properties: {
    kind: { type: 'string' },
    command: { type: 'string' },
    normalized: { type: 'string', description: 'The statement with literals replaced by placeholders' },
    fingerprint: { type: 'string' },
    tablesRead: strings,
    tablesWritten: strings,
    guardrails: { ...strings, description: 'Guardrail ids that fired' },
  },
} as const;

export const approvalRequestSchema = {
  type: 'object',
  required: [
    'id',
    'status',
    'requester',
    'target',
    'database',
    'statement',
    'ruleId',
    'reason',
    'createdAt',
    'expiresAt',
    'decidedAt',
    'executedAt',
    'required',
    'approvals',
    'approverGroups',
    'decisions',
    'history',
    'grantWindowMs',
    'sessionId',
  ],
  properties: {
    id: { type: 'string', example: 'apr_01JD3Z8Q6W5B2V4K9M7N1P0R3S' },
    status: { type: 'string', enum: [...APPROVAL_STATUSES] },
    requester: {
      type: 'object',
      required: ['subject', 'groups'],
      properties: { subject: { type: 'string' }, groups: strings },
    },
    target: { $ref: 'TargetRef#' },
    database: { type: 'string' },
    statement: {
      type: 'object',
      required: ['normalized', 'fingerprint', 'statements'],
      properties: {
        normalized: {
          type: 'string',
          description: 'Every statement of the client string, literals replaced, joined with ;',
        },
        fingerprint: { type: 'string' },
        statements: { type: 'array', items: statementSummary },
      },
    },
    ruleId: { type: 'string', description: 'The policy rule that asked for review' },
    reason: { type: 'string', description: "The rule's reason" },
    createdAt: time,
    expiresAt: time,
    decidedAt: timeOrNull,
    executedAt: timeOrNull,
    required: { type: 'integer', description: 'Distinct approvals needed' },
    approvals: { type: 'integer', description: 'Distinct approvals so far' },
    approverGroups: { ...strings, description: 'Groups whose members may decide' },
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['by', 'groups', 'decision', 'reason', 'at'],
        properties: {
          by: { type: 'string' },
          groups: strings,
          decision: { type: 'string', enum: ['approve', 'deny'] },
          reason: { type: 'string' },
          at: time,
        },
      },
    },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'at', 'by', 'reason'],
        properties: {
          type: {
            type: 'string',
            enum: ['requested', 'approved', 'denied', 'expired', 'withdrawn', 'executed'],
          },
          at: time,
          by: { type: ['string', 'null'] },
          groups: strings,
          decision: { type: 'string', enum: ['approve', 'deny'] },
          reason: { type: ['string', 'null'] },
          instance: { type: 'string', description: 'Gateway instance that recorded it' },
        },
      },
    },
    holder: {
      type: 'object',
      description: 'The gateway instance holding the waiting statement',
      properties: { instance: { type: 'string' }, run: { type: 'string' } },
    },
    grantWindowMs: {
      type: 'integer',
      description: 'How long an approval covers a retry of the same text by the requester; 0 = no grant',
    },
    sessionId: { type: ['string', 'null'] },
  },
} as const;
