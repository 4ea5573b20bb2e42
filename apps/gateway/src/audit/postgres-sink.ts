import type { PostgresAuditTable } from './postgres-audit-table';
import type { AuditReplica, ReplicatedRecord } from './replica-queue';

/**
 * The PostgreSQL copy as a secondary sink: each batch is one INSERT (the
 * table is created on the first one if start could not). Best effort, like
 * every copy: see ReplicaQueue for buffering and retries.
 */
export class PostgresAuditReplica implements AuditReplica {
  readonly name = 'postgres';
  readonly #table: PostgresAuditTable;

  constructor(table: PostgresAuditTable) {
    this.#table = table;
  }

  deliver(batch: readonly ReplicatedRecord[]): Promise<void> {
    return this.#table.insert(batch);
  }

  close(): Promise<void> {
    return this.#table.close();
  }
}
