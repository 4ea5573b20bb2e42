/** JSON schemas of POST /v1/explain: they validate the request, serialise the report and document both in OpenAPI. */

const strings = { type: 'array', items: { type: 'string' } } as const;

export const explainBodySchema = {
  type: 'object',
  required: ['identity', 'target', 'sql'],
  additionalProperties: false,
  properties: {
    identity: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'The subject the statement runs as',
    },
    groups: { ...strings, maxItems: 256, default: [], description: "The identity's groups" },
    target: { type: 'string', minLength: 1, maxLength: 128, description: 'A configured target name' },
    database: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description: "Upstream database; the target's by default",
    },
    sql: { type: 'string', minLength: 1, description: 'One or more statements; nothing is run' },
  },
} as const;

const verdictSchema = {
  type: 'object',
  required: ['action', 'ruleId', 'reason'],
  properties: {
    action: { type: 'string', enum: ['allow', 'deny', 'review'] },
    ruleId: { type: 'string', description: 'The matching rule, or a built-in id such as default-deny' },
    reason: { type: 'string' },
    approvers: strings,
    required: { type: 'integer' },
    grant: { type: 'boolean' },
  },
} as const;

const traceSchema = {
  type: 'object',
  required: ['index', 'ruleId', 'action', 'outcome', 'conditions'],
  properties: {
    index: { type: 'integer' },
    ruleId: { type: 'string' },
    action: { type: 'string' },
    outcome: { type: 'string', enum: ['matched', 'no-match', 'not-reached'] },
    conditions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['condition', 'holds', 'detail'],
        properties: { condition: { type: 'string' }, holds: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
    note: { type: 'string' },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: [
    'kind',
    'command',
    'tablesRead',
    'tablesWritten',
    'columns',
    'functions',
    'guardrails',
    'fingerprint',
  ],
  properties: {
    kind: { type: 'string' },
    command: { type: 'string' },
    tablesRead: strings,
    tablesWritten: strings,
    columns: {
      type: 'array',
      items: {
        type: 'object',
        required: ['table', 'column', 'role'],
        properties: {
          table: { type: ['string', 'null'] },
          column: { type: 'string' },
          role: { type: 'string' },
        },
      },
    },
    functions: strings,
    guardrails: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'detail'],
        properties: { id: { type: 'string' }, detail: { type: 'string' } },
      },
    },
    fingerprint: { type: 'string' },
    unknownReason: { type: 'string' },
    prepares: { type: 'string' },
    executes: { type: 'string' },
    deallocates: { type: 'string' },
  },
} as const;

const columnSchema = {
  type: 'object',
  required: ['name', 'type', 'lineage', 'source', 'sources', 'masked', 'mask', 'example', 'reason'],
  properties: {
    name: { type: 'string', description: 'The name the client sees' },
    type: { type: 'string', description: 'The type as masking sees it (text, integer, date, json...)' },
    lineage: { type: 'string', enum: ['direct', 'derived', 'row', 'unknown'] },
    source: {
      type: 'string',
      description: 'schema.table.column, "computed from ...", "whole rows of ..." or "not traced"',
    },
    sources: strings,
    view: { type: 'string', description: 'The view the column belongs to, when it is a view column' },
    masked: { type: 'boolean' },
    mask: {
      type: ['string', 'null'],
      description: 'Detector id, or scan, redact, last4, deterministic, row',
    },
    example: {
      anyOf: [
        {
          type: 'object',
          required: ['value', 'masked'],
          properties: { value: { type: 'string' }, masked: { type: 'string' } },
        },
        { type: 'null' },
      ],
      description: 'The mask on a made-up value: what its format looks like',
    },
    reason: { type: 'string' },
  },
} as const;

const maskingSchema = {
  type: 'object',
  required: ['status', 'reason', 'results'],
  description: 'Which result columns would be masked for this identity, how and why',
  properties: {
    status: { type: 'string', enum: ['evaluated', 'unmasked', 'not-evaluated', 'denied', 'unavailable'] },
    reason: { type: 'string' },
    ruleId: { type: 'string', description: 'For denied: the masking rule' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'status', 'columns'],
        properties: {
          index: { type: 'integer' },
          status: { type: 'string', enum: ['evaluated', 'no-rows', 'unavailable'] },
          reason: { type: 'string' },
          columns: { type: 'array', items: columnSchema },
        },
      },
    },
  },
} as const;

export const explainReportSchema = {
  type: 'object',
  required: ['identity', 'target', 'database', 'decision', 'client', 'statements', 'masking'],
  properties: {
    identity: {
      type: 'object',
      required: ['subject', 'groups'],
      properties: { subject: { type: 'string' }, groups: strings },
    },
    target: { $ref: 'TargetRef#' },
    database: { type: 'string' },
    decision: { ...verdictSchema, description: 'For the whole string: the strictest statement decides' },
    client: {
      type: 'object',
      required: ['outcome'],
      description: 'What the client would see',
      properties: {
        outcome: { type: 'string', enum: ['runs', 'error', 'held'] },
        sqlstate: { type: 'string' },
        message: { type: 'string' },
      },
    },
    statements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'text', 'facts', 'verdict', 'trace'],
        properties: {
          index: { type: 'integer' },
          text: { type: 'string', description: 'The statement with literals replaced by placeholders' },
          facts: factsSchema,
          verdict: verdictSchema,
          trace: { type: 'array', items: traceSchema },
        },
      },
    },
    masking: maskingSchema,
  },
} as const;
