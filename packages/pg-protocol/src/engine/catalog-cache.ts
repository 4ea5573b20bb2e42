import type { Logger } from 'pino';
import { analysePostgresDataFlow, type OutputColumn, type UpstreamEndpoint } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import { CatalogConnection, type CatalogRows } from './catalog-connection';
import { connectUpstream } from './upstream-connection';

/** A column of a table, view or composite type (pg_attribute). */
export interface AttributeInfo {
  readonly name: string;
  readonly typeOid: number;
  readonly typeModifier: number;
}

/** A relation a RowDescription points at (pg_class), with its columns by attribute number. */
export interface RelationInfo {
  readonly oid: number;
  /** `schema.name`, as masking rules and classification see it. */
  readonly qualified: string;
  /** pg_class.relkind: r table, v view, m materialized view, p partitioned, f foreign, c composite type. */
  readonly kind: string;
  readonly attributes: ReadonlyMap<number, AttributeInfo>;
  /** Views and materialized views: the lineage of column n at index n-1, from the view's definition. */
  readonly viewOutputs: readonly OutputColumn[] | null;
}

/** A type that is not one of PostgreSQL's built-in ones (an extension's, a domain, an enum, a composite). */
export interface TypeInfo {
  readonly oid: number;
  readonly name: string;
  /** pg_type.typtype: b base, c composite, d domain, e enum, r range, m multirange, p pseudo. */
  readonly kind: string;
  /** pg_type.typcategory: S string, U user-defined, A array, C composite, N numeric, ... */
  readonly category: string;
  /** The binary send function's name (`textsend`, `citextsend`, `enum_send`): what its binary format is. */
  readonly send: string;
  readonly element: number;
  readonly base: number;
  readonly baseModifier: number;
  /** Composite types: the relation holding their columns. */
  readonly relation: number;
}

/** A function a fast-path FunctionCall names by OID (pg_proc). */
export interface FunctionInfo {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  /** pg_proc.prorettype: the OID of the type it returns. */
  readonly returnType: number;
}

export interface CatalogOptions {
  readonly logger: Logger;
  readonly maxMessageSize: number;
  readonly connectTimeoutMs: number;
  /** Bound on one catalog query. Default 5 s. */
  readonly queryTimeoutMs?: number;
  /** Entries are looked up again after this long (DDL outside the gateway). Default 60 s. */
  readonly ttlMs?: number;
  /** Relations, types and descriptions kept; past it the cache starts afresh. Default 10,000. */
  readonly maxEntries?: number;
  /** After a failure the catalog is not asked again for this long (results are masked from analysis alone). Default 5 s. */
  readonly retryAfterMs?: number;
}

interface Entry<V> {
  readonly value: V;
  readonly at: number;
}

/** The highest OID of objects initdb creates: anything above belongs to the database (FirstNormalObjectId). */
export const FIRST_NORMAL_OID = 16384;

const oidList = (oids: readonly number[]): string => `'{${oids.join(',')}}'::pg_catalog.oid[]`;

/**
 * What result columns are, per target and database: RowDescription's table
 * OID and attribute number resolved to schema.table.column, types that are
 * not built in resolved to what they are. Looked up in batches through a
 * gateway-owned upstream connection, cached by OID, cleared when DDL passes
 * through the gateway, refreshed after `ttlMs`, bounded.
 */
export class CatalogCache {
  readonly #options: CatalogOptions;
  readonly #relations = new Map<number, Entry<RelationInfo | null>>();
  readonly #types = new Map<number, Entry<TypeInfo | null>>();
  readonly #descriptions = new Map<string, Entry<RowField[] | null>>();
  readonly #functions = new Map<number, Entry<FunctionInfo | null>>();
  #connection: Promise<CatalogConnection> | null = null;
  /** Bumped by invalidate(): answers to lookups started before it are not kept. */
  #generation = 0;
  #failedAt = -Infinity;

  constructor(options: CatalogOptions) {
    this.#options = options;
  }

  relation(oid: number): RelationInfo | null | undefined {
    return this.#fresh(this.#relations, oid);
  }

  type(oid: number): TypeInfo | null | undefined {
    return this.#fresh(this.#types, oid);
  }

  /** A function by OID: null when there is none, undefined when not looked up yet (see resolveFunction). */
  function(oid: number): FunctionInfo | null | undefined {
    return this.#fresh(this.#functions, oid);
  }

  /** Looks up a function by OID (a fast-path FunctionCall). Rejects when the catalog cannot be asked. */
  async resolveFunction(oid: number, endpoint: UpstreamEndpoint): Promise<FunctionInfo | null> {
    const known = this.function(oid);
    if (known !== undefined) return known;
    const generation = this.#generation;
    const sql =
      'select p.oid, n.nspname, p.proname, p.prorettype from pg_catalog.pg_proc p ' +
      'join pg_catalog.pg_namespace n on n.oid = p.pronamespace ' +
      `where p.oid = ${Math.trunc(oid) >>> 0}::pg_catalog.oid`;
    const [rows] = await this.#ask((c) => c.query(sql, this.#queryTimeout), endpoint);
    const row = rows?.[0];
    const info: FunctionInfo | null =
      row === undefined
        ? null
        : { oid: Number(row[0]), schema: row[1] ?? '', name: row[2] ?? '', returnType: Number(row[3] ?? 0) };
    if (generation === this.#generation) this.#store(this.#functions, oid, info);
    return info;
  }

  /** The OIDs of these columns the cache does not know yet (table OIDs, and types that are not built in). */
  missing(
    fields: readonly RowField[],
    isBuiltIn: (oid: number) => boolean,
  ): { relations: number[]; types: number[] } {
    const relations = new Set<number>();
    const types = new Set<number>();
    for (const f of fields) {
      if (f.tableOid !== 0 && this.relation(f.tableOid) === undefined) relations.add(f.tableOid);
      if (!isBuiltIn(f.typeOid) && this.type(f.typeOid) === undefined) types.add(f.typeOid);
    }
    return { relations: [...relations], types: [...types] };
  }

  /** True while the catalog is not asked (a recent failure). */
  get unavailable(): boolean {
    return performance.now() - this.#failedAt < (this.#options.retryAfterMs ?? 5000);
  }

  /**
   * Looks up relations and types (and what composite, domain and array
   * types refer to). Rejects when the catalog cannot be asked; what was
   * learnt before the failure stays.
   */
  async resolve(
    relations: readonly number[],
    types: readonly number[],
    endpoint: UpstreamEndpoint,
  ): Promise<void> {
    const generation = this.#generation;
    let wantTypes = types.filter((t) => this.type(t) === undefined);
    let wantRelations = relations.filter((r) => this.relation(r) === undefined);
    for (let round = 0; round < 4 && (wantTypes.length > 0 || wantRelations.length > 0); round++) {
      const next = await this.#lookup(wantRelations, wantTypes, endpoint, generation);
      wantTypes = next.types.filter((t) => this.type(t) === undefined);
      wantRelations = next.relations.filter((r) => this.relation(r) === undefined);
    }
  }

  /** The result columns of a statement, described by the catalog connection (for COPY, and Executes never described). */
  async describe(
    sql: string,
    parameterTypes: readonly number[],
    endpoint: UpstreamEndpoint,
  ): Promise<RowField[] | null> {
    const key = `${parameterTypes.join(',')}\u0000${sql}`;
    const hit = this.#fresh(this.#descriptions, key);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const fields = await this.#ask((c) => c.describe(sql, parameterTypes, this.#queryTimeout), endpoint);
    if (generation === this.#generation && sql.length <= 16_384) this.#store(this.#descriptions, key, fields);
    return fields;
  }

  /** DDL passed: every answer may be stale. */
  invalidate(): void {
    this.#generation++;
    this.#relations.clear();
    this.#types.clear();
    this.#descriptions.clear();
    this.#functions.clear();
  }

  close(): void {
    const connection = this.#connection;
    this.#connection = null;
    void connection?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  get #queryTimeout(): number {
    return this.#options.queryTimeoutMs ?? 5000;
  }

  #fresh<K, V>(map: Map<K, Entry<V>>, key: K): V | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (performance.now() - entry.at > (this.#options.ttlMs ?? 60_000)) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #store<K, V>(map: Map<K, Entry<V>>, key: K, value: V): void {
    if (map.size >= (this.#options.maxEntries ?? 10_000)) map.clear();
    map.set(key, { value, at: performance.now() });
  }

  async #lookup(
    relations: readonly number[],
    types: readonly number[],
    endpoint: UpstreamEndpoint,
    generation: number,
  ): Promise<{ relations: number[]; types: number[] }> {
    const statements: string[] = [];
    if (types.length > 0) {
      statements.push(
        'select t.oid, t.typname, t.typtype, t.typcategory, t.typsend::pg_catalog.text, t.typelem, t.typbasetype, ' +
          `t.typtypmod, t.typrelid from pg_catalog.pg_type t where t.oid = any(${oidList(types)})`,
      );
    }
    if (relations.length > 0) {
      statements.push(
        'select c.oid, n.nspname, c.relname, c.relkind, ' +
          "case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end " +
          'from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace ' +
          `where c.oid = any(${oidList(relations)})`,
        'select a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod from pg_catalog.pg_attribute a ' +
          `where a.attrelid = any(${oidList(relations)}) and a.attnum > 0 and not a.attisdropped`,
      );
    }
    const sets = await this.#ask((c) => c.query(statements.join('; '), this.#queryTimeout), endpoint);
    const keep = generation === this.#generation;
    const next = { relations: [] as number[], types: [] as number[] };
    let i = 0;
    if (types.length > 0) this.#storeTypes(types, sets[i++] ?? [], keep, next);
    if (relations.length > 0) this.#storeRelations(relations, sets[i] ?? [], sets[i + 1] ?? [], keep, next);
    return next;
  }

  #storeTypes(
    asked: readonly number[],
    rows: CatalogRows,
    keep: boolean,
    next: { relations: number[]; types: number[] },
  ): void {
    const found = new Set<number>();
    for (const r of rows) {
      const info: TypeInfo = {
        oid: Number(r[0]),
        name: r[1] ?? '',
        kind: r[2] ?? '',
        category: r[3] ?? '',
        send: (r[4] ?? '').replace(/^.*\./, ''),
        element: Number(r[5] ?? 0),
        base: Number(r[6] ?? 0),
        baseModifier: Number(r[7] ?? -1),
        relation: Number(r[8] ?? 0),
      };
      found.add(info.oid);
      if (keep) this.#store(this.#types, info.oid, info);
      if (info.relation !== 0) next.relations.push(info.relation);
      for (const t of [info.element, info.base]) if (t >= FIRST_NORMAL_OID) next.types.push(t);
    }
    if (keep) for (const oid of asked) if (!found.has(oid)) this.#store(this.#types, oid, null);
  }

  #storeRelations(
    asked: readonly number[],
    rels: CatalogRows,
    attrs: CatalogRows,
    keep: boolean,
    next: { relations: number[]; types: number[] },
  ): void {
    const attributes = new Map<number, Map<number, AttributeInfo>>();
    for (const a of attrs) {
      const rel = Number(a[0]);
      let m = attributes.get(rel);
      if (m === undefined) attributes.set(rel, (m = new Map()));
      const typeOid = Number(a[3]);
      m.set(Number(a[1]), { name: a[2] ?? '', typeOid, typeModifier: Number(a[4] ?? -1) });
      if (typeOid >= FIRST_NORMAL_OID) next.types.push(typeOid);
    }
    const found = new Set<number>();
    for (const r of rels) {
      const oid = Number(r[0]);
      found.add(oid);
      const viewdef = r[4];
      const info: RelationInfo = {
        oid,
        qualified: `${r[1] ?? ''}.${r[2] ?? ''}`,
        kind: r[3] ?? '',
        attributes: attributes.get(oid) ?? new Map(),
        viewOutputs:
          viewdef === null || viewdef === undefined ? null : viewLineage(viewdef, this.#options.logger),
      };
      if (keep) this.#store(this.#relations, oid, info);
    }
    if (keep) for (const oid of asked) if (!found.has(oid)) this.#store(this.#relations, oid, null);
  }

  async #ask<T>(fn: (c: CatalogConnection) => Promise<T>, endpoint: UpstreamEndpoint): Promise<T> {
    if (this.unavailable) throw new Error('the catalog failed recently');
    try {
      const connection = await this.#connect(endpoint);
      return await fn(connection);
    } catch (err) {
      this.#failedAt = performance.now();
      this.close();
      this.#options.logger.warn({ err }, 'catalog lookup failed; results are masked from analysis alone');
      throw err;
    }
  }

  #connect(endpoint: UpstreamEndpoint): Promise<CatalogConnection> {
    const existing = this.#connection;
    if (existing !== null) {
      return existing.then((c) => (c.closed ? this.#dial(endpoint) : c));
    }
    return this.#dial(endpoint);
  }

  #dial(endpoint: UpstreamEndpoint): Promise<CatalogConnection> {
    const startup = new Map([
      ['client_encoding', 'UTF8'],
      ['application_name', 'gatehouse-catalog'],
    ]);
    const connecting = connectUpstream(endpoint, startup, {
      signal: AbortSignal.timeout(this.#options.connectTimeoutMs),
      maxMessageSize: this.#options.maxMessageSize,
    }).then((upstream) => new CatalogConnection(upstream, this.#options.maxMessageSize));
    this.#connection = connecting;
    connecting.catch(() => {
      if (this.#connection === connecting) this.#connection = null;
    });
    return connecting;
  }
}

/** A view's column lineage, from its definition; null when it cannot be traced (columns are then the view's own). */
function viewLineage(viewdef: string, logger: Logger): readonly OutputColumn[] | null {
  try {
    const outputs = analysePostgresDataFlow(viewdef)[0]?.outputs ?? null;
    return outputs !== null && outputs.every((o) => o.star === undefined) ? outputs : null;
  } catch (err) {
    logger.debug({ err }, 'view definition could not be traced');
    return null;
  }
}

/** One catalog per target and upstream database (OIDs are per database). */
export class CatalogRegistry {
  readonly #options: CatalogOptions;
  readonly #caches = new Map<string, CatalogCache>();

  constructor(options: CatalogOptions) {
    this.#options = options;
  }

  for(target: string, database: string): CatalogCache {
    const key = `${target}\u0000${database}`;
    let cache = this.#caches.get(key);
    if (cache === undefined) this.#caches.set(key, (cache = new CatalogCache(this.#options)));
    return cache;
  }

  /** DDL passed on this target: every database's answers may be stale (a shared catalog, ALTER TYPE ...). */
  invalidateTarget(target: string): void {
    for (const [key, cache] of this.#caches) if (key.startsWith(`${target}\u0000`)) cache.invalidate();
  }

  close(): void {
    for (const cache of this.#caches.values()) cache.close();
    this.#caches.clear();
  }
}
