import { Pool, type PoolConfig } from 'pg';
import type { Logger } from 'pino';
import { hasStatementFilter, type AuditQuery, type AuditQueryResult } from './audit-query';
import type { ReplicatedRecord } from './replica-queue';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The PostgreSQL copy of the audit chains: one row per record, keyed by the
 * record's hash (so a retried batch inserts nothing twice), with the exact
 * line (re-verifiable) and the fields /v1/audit filters on. Created on
 * start; several gateway processes share one table, each chain named.
 */
export class PostgresAuditTable {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #name: string;
  readonly #indexPrefix: string;
  #ready: Promise<void> | null = null;

  constructor(connection: PoolConfig, table: string, logger: Logger) {
    this.#pool = new Pool(connection);
    // An idle connection that dies (server restart) must not take the process with it.
    this.#pool.on('error', (err) =>
      logger.warn({ err }, 'audit PostgreSQL connection lost; reconnecting on next use'),
    );
    this.#name = table;
    this.#table = table.split('.').map(quoteIdent).join('.');
    this.#indexPrefix = (table.split('.').pop() ?? table).slice(0, 40);
  }

  get name(): string {
    return this.#name;
  }

  /** Creates the table and its indexes if missing. Retried on the next call after a failure. */
  ensure(): Promise<void> {
    this.#ready ??= this.#create().catch((err: unknown) => {
      this.#ready = null;
      throw err;
    });
    return this.#ready;
  }

  async #create(): Promise<void> {
    const t = this.#table;
    const idx = (suffix: string) => quoteIdent(`${this.#indexPrefix}_${suffix}`);
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      // Several workers start at once: CREATE ... IF NOT EXISTS races on the catalog without a lock.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gatehouse-audit:${this.#name}`]);
      if (this.#name.includes('.'))
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#name.split('.')[0]!)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${t} (
        hash text PRIMARY KEY,
        chain text NOT NULL,
        seq bigint NOT NULL,
        prev text NOT NULL,
        type text NOT NULL,
        "time" timestamptz NOT NULL,
        session_id text,
        statement_seq integer,
        subject text,
        target text,
        decision text,
        kinds text[] NOT NULL DEFAULT '{}',
        tables text[] NOT NULL DEFAULT '{}',
        record jsonb NOT NULL,
        line text NOT NULL,
        inserted_at timestamptz NOT NULL DEFAULT now()
      )`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${idx('time')} ON ${t} ("time" DESC)`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${idx('chain_seq')} ON ${t} (chain, seq)`);
      await client.query(
        `CREATE INDEX IF NOT EXISTS ${idx('statement')} ON ${t} (session_id, statement_seq)`,
      );
      await client.query(`CREATE INDEX IF NOT EXISTS ${idx('subject')} ON ${t} (subject, "time" DESC)`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Inserts a batch in one statement; the columns are derived from each line in SQL. */
  async insert(batch: readonly ReplicatedRecord[]): Promise<void> {
    await this.ensure();
    await this.#insert(batch).catch((err: unknown) => {
      // Someone dropped the table: create it again before the retry.
      if ((err as { code?: string }).code === '42P01') this.#ready = null;
      throw err;
    });
  }

  #insert(batch: readonly ReplicatedRecord[]): Promise<unknown> {
    // Only intents carry statements (session.end's `statements` is a count).
    const statements =
      "CASE WHEN jsonb_typeof(r->'statements') = 'array' THEN r->'statements' ELSE '[]'::jsonb END";
    return this.#pool.query(
      `INSERT INTO ${this.#table}
         (hash, chain, seq, prev, type, "time", session_id, statement_seq, subject, target, decision, kinds, tables, record, line)
       SELECT x.hash, x.chain, (r->>'seq')::bigint, r->>'prev', r->>'type', (r->>'time')::timestamptz,
              r->>'session_id', (r->>'statement_seq')::integer, r->>'subject', r->>'target', r->>'decision',
              ARRAY(SELECT DISTINCT s->>'kind' FROM jsonb_array_elements(${statements}) s),
              ARRAY(SELECT DISTINCT tn FROM jsonb_array_elements(${statements}) s,
                      jsonb_array_elements_text(coalesce(s->'tables_read', '[]') || coalesce(s->'tables_written', '[]')) tn),
              r, x.line
         FROM unnest($1::text[], $2::text[], $3::text[]) AS x(line, hash, chain)
         CROSS JOIN LATERAL (SELECT x.line::jsonb AS r) AS j
       ON CONFLICT (hash) DO NOTHING`,
      [batch.map((b) => b.line), batch.map((b) => b.hash), batch.map((b) => b.chain)],
    );
  }

  /** GET /v1/audit from the table: the rules of audit-query.ts, in SQL. */
  async query(q: AuditQuery): Promise<AuditQueryResult> {
    await this.ensure();
    const params: unknown[] = [];
    const p = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (q.subject !== undefined) where.push(`o.subject = ${p(q.subject)}`);
    if (q.target !== undefined) where.push(`o.target = ${p(q.target)}`);
    if (q.session !== undefined) where.push(`o.session_id = ${p(q.session)}`);
    if (q.type !== undefined) where.push(`o.type = ${p(q.type)}`);
    if (q.from !== undefined) where.push(`o."time" >= ${p(q.from)}::timestamptz`);
    if (q.to !== undefined) where.push(`o."time" <= ${p(q.to)}::timestamptz`);
    if (hasStatementFilter(q)) {
      const on = (x: string): string => {
        const parts: string[] = [];
        if (q.kind !== undefined) parts.push(`${p(q.kind)} = ANY(${x}.kinds)`);
        if (q.decision !== undefined) parts.push(`${x}.decision = ${p(q.decision)}`);
        if (q.table !== undefined) {
          const wanted = p(q.table);
          parts.push(
            `EXISTS (SELECT 1 FROM unnest(${x}.tables) AS tn WHERE tn = ${wanted}
               OR (strpos(${wanted}, '.') = 0 AND right(tn, length(${wanted}) + 1) = '.' || ${wanted}))`,
          );
        }
        return parts.join(' AND ');
      };
      where.push(`((o.type = 'statement.intent' AND ${on('o')})
        OR (o.type = 'statement.outcome' AND EXISTS (SELECT 1 FROM ${this.#table} i
              WHERE i.session_id = o.session_id AND i.statement_seq = o.statement_seq
                AND i.type = 'statement.intent' AND ${on('i')})))`);
    }
    const sql = `SELECT chain, line FROM ${this.#table} o
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY o."time" DESC, o.chain, o.seq DESC
      LIMIT ${p(q.limit + 1)}`;
    const result = await this.#pool.query<{ chain: string; line: string }>(sql, params);
    const rows = result.rows.slice(0, q.limit);
    return {
      source: 'postgres',
      records: rows.map((row) => ({
        chain: row.chain,
        ...(JSON.parse(row.line) as Record<string, unknown>),
      })),
      truncated: result.rows.length > q.limit,
    };
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
