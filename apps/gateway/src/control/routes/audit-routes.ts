import type { FastifyPluginAsync } from 'fastify';
import { AuditEventType, StatementKind } from '@gatehouse/sql-core';
import type { AuditQuery, AuditReader } from '../../audit/audit-query';
import { errorRef } from '../schemas';

export interface AuditRoutesOptions {
  readonly reader: AuditReader;
}

const security = [{ bearer: [] }];
const MAX_LIMIT = 1000;

const text = (description: string) =>
  ({ type: 'string', minLength: 1, maxLength: 256, description }) as const;

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subject: text(
      'Verified identity (token subject or service token name); matches sessions, statements and approval requests',
    ),
    target: text('Target name'),
    session: { type: 'string', pattern: '^ses_[A-Za-z0-9_-]{1,64}$', description: 'Session id' },
    type: { type: 'string', enum: Object.values(AuditEventType), description: 'Record type' },
    kind: {
      type: 'string',
      enum: Object.values(StatementKind),
      description: 'Statement kind: intents with a statement of this kind, and their outcomes',
    },
    decision: {
      type: 'string',
      enum: ['allow', 'deny', 'review'],
      description: 'Intents with this decision, and their outcomes',
    },
    table: text(
      '`schema.table`, or a bare table name in any schema: intents reading or writing it, and their outcomes',
    ),
    from: { type: 'string', format: 'date-time', description: 'Records at or after this time' },
    to: { type: 'string', format: 'date-time', description: 'Records at or before this time' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 },
  },
} as const;

interface AuditQueryString {
  subject?: string;
  target?: string;
  session?: string;
  type?: string;
  kind?: string;
  decision?: string;
  table?: string;
  from?: string;
  to?: string;
  limit: number;
}

/**
 * GET /v1/audit: registered in the admin scope. Newest first; each record
 * as written (seq, prev, type, time, ...) plus `chain`, the file chain it
 * belongs to (`<host>:audit.w1`), so a client can verify or locate it.
 */
export function auditRoutes({ reader }: AuditRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: AuditQueryString }>(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: `Search the audit trail (${reader.source === 'postgres' ? 'from the PostgreSQL copy' : 'from the audit files of every worker'})`,
          security,
          querystring: querySchema,
          response: {
            200: {
              type: 'object',
              required: ['source', 'records', 'truncated'],
              properties: {
                source: { type: 'string', enum: ['postgres', 'files'] },
                records: { type: 'array', items: { type: 'object', additionalProperties: true } },
                truncated: {
                  type: 'boolean',
                  description: 'More records may match: raise limit, or narrow the time range with to',
                },
              },
            },
            400: errorRef,
            401: errorRef,
            403: errorRef,
          },
        },
      },
      async (request, reply) => {
        const { limit, from, to, ...filters } = request.query;
        if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) {
          return reply.code(400).send({ error: 'bad_request', message: 'from is after to' });
        }
        const q: AuditQuery = {
          ...filters,
          ...(from !== undefined ? { from: new Date(from).toISOString() } : {}),
          ...(to !== undefined ? { to: new Date(to).toISOString() } : {}),
          limit,
        };
        request.log.info({ by: request.identity?.subject, filters: Object.keys(filters) }, 'audit search');
        return reader.query(q);
      },
    );
  };
}
