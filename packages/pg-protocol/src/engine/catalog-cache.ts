import type { Logger } from 'pino';
import type { OutputColumn, UpstreamEndpoint } from '@gatehouse/sql-core';
import type { RowField } from '../codec';
import { CatalogConnection, type CatalogRows } from './catalog-connection';
import {
  FIRST_NORMAL_OID,
  nameLookup,
  readNames,
  readRelations,
  readType,
  relationLookup,
  typeLookup,
  type FunctionInfo,
  type NamedRelation,
  type RelationInfo,
  type TypeInfo,
} from './catalog-queries';
import { connectUpstream } from './upstream-connection';
import { hasPositions } from './positional-columns';
import { lineageNames } from './view-lineage';

export {
  FIRST_NORMAL_OID,
  type AttributeInfo,
  type FunctionInfo,
  type NamedRelation,
  type RelationInfo,
  type TypeInfo,
} from './catalog-queries';

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

/** Views within views followed at most this deep (PostgreSQL allows no cycle; the bound holds anyway). */
const VIEW_DEPTH = 8;
/** Lookup rounds of one resolve(): enough for VIEW_DEPTH levels of views and the types under them. */
const MAX_ROUNDS = VIEW_DEPTH + 4;

/** What resolve() must be asked before a result's columns can be told. */
export interface CatalogMissing {
  readonly relations: number[];
  readonly types: number[];
  /** Relation names the statement's lineage uses (a view's columns computed over: `upper(who)` FROM contacts). */
  readonly names: string[];
}

interface Entry<V> {
  readonly value: V;
  readonly at: number;
}

/**
 * What result columns are, per target and database: RowDescription's table
 * OID and attribute number resolved to schema.table.column, types that are
 * not built in resolved to what they are. Looked up in batches through a
 * gateway-owned upstream connection, cached by OID, cleared when DDL passes
 * through the gateway, refreshed after `ttlMs`, bounded.
 */
/**
 * The relations a view's definition reads that masking follows: the views,
 * and the tables too when an alias list there renames columns by position.
 */
function readsOf(rel: RelationInfo | null): number[] {
  if (rel === null) return [];
  const positional = rel.viewOutputs?.some(hasPositions) === true;
  const reads = positional ? rel.relationNames : rel.viewNames;
  return [...(reads?.values() ?? [])].filter((oid): oid is number => oid !== null);
}

export class CatalogCache {
  readonly #options: CatalogOptions;
  readonly #relations = new Map<number, Entry<RelationInfo | null>>();
  readonly #types = new Map<number, Entry<TypeInfo | null>>();
  readonly #descriptions = new Map<string, Entry<RowField[] | null>>();
  readonly #functions = new Map<number, Entry<FunctionInfo | null>>();
  /** Relation names as statements write them -> every relation they may stand for. */
  readonly #names = new Map<string, Entry<readonly NamedRelation[]>>();
  /** Names statements use with an alias list renaming their columns: the tables they name are loaded too. */
  readonly #positional = new Set<string>();
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

  /** The relations a name in a statement's lineage may stand for (whatever the search_path); undefined: not looked up. */
  named(name: string): readonly NamedRelation[] | undefined {
    return this.#fresh(this.#names, name);
  }

  /**
   * What the cache does not know yet about these columns: table OIDs, types
   * that are not built in, the views those relations' definitions read
   * (views over views, to VIEW_DEPTH levels), and the relation names the
   * statement's own lineage uses for columns RowDescription does not name.
   */
  missing(
    fields: readonly RowField[],
    isBuiltIn: (oid: number) => boolean,
    outputs: readonly OutputColumn[] | null = null,
  ): CatalogMissing {
    const relations = new Set<number>();
    const types = new Set<number>();
    const names: string[] = [];
    const views: number[] = [];
    for (const f of fields) {
      if (f.tableOid !== 0) views.push(f.tableOid);
      if (!isBuiltIn(f.typeOid) && this.type(f.typeOid) === undefined) types.add(f.typeOid);
    }
    const used = lineageNames(fields, outputs);
    for (const name of used.positional) this.#notePositional(name);
    for (const name of used.names) {
      const found = this.named(name);
      if (found === undefined) names.push(name);
      else for (const r of found) if (r.view || used.positional.has(name)) views.push(r.oid);
    }
    this.#unloaded(views, relations);
    return { relations: [...relations], types: [...types], names };
  }

  /** These relations and the views below them (what views' definitions read), where not loaded yet. */
  #unloaded(start: readonly number[], into: Set<number>): void {
    const seen = new Set<number>();
    let level = start;
    for (let depth = 0; depth <= VIEW_DEPTH && level.length > 0; depth++) {
      const next: number[] = [];
      for (const oid of level) {
        if (seen.has(oid)) continue;
        seen.add(oid);
        const rel = this.relation(oid);
        if (rel === undefined) into.add(oid);
        else for (const dep of readsOf(rel)) next.push(dep);
      }
      level = next;
    }
  }

  #notePositional(name: string): void {
    if (this.#positional.size >= (this.#options.maxEntries ?? 10_000)) this.#positional.clear();
    this.#positional.add(name);
  }

  /** True while the catalog is not asked (a recent failure). */
  get unavailable(): boolean {
    return performance.now() - this.#failedAt < (this.#options.retryAfterMs ?? 5000);
  }

  /**
   * Looks up relations, types and relation names (and what composite,
   * domain and array types refer to, and the views views read). Rejects
   * when the catalog cannot be asked; what was learnt before the failure
   * stays.
   */
  async resolve(
    relations: readonly number[],
    types: readonly number[],
    endpoint: UpstreamEndpoint,
    names: readonly string[] = [],
  ): Promise<void> {
    const generation = this.#generation;
    let wantTypes = types.filter((t) => this.type(t) === undefined);
    let wantRelations = relations.filter((r) => this.relation(r) === undefined);
    let wantNames = [...new Set(names)].filter((n) => this.named(n) === undefined);
    for (
      let round = 0;
      round < MAX_ROUNDS && (wantTypes.length > 0 || wantRelations.length > 0 || wantNames.length > 0);
      round++
    ) {
      const next = await this.#lookup(wantRelations, wantTypes, wantNames, endpoint, generation);
      wantNames = [];
      wantTypes = [...new Set(next.types)].filter((t) => this.type(t) === undefined);
      wantRelations = [...new Set(next.relations)].filter((r) => this.relation(r) === undefined);
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
    this.#names.clear();
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
    names: readonly string[],
    endpoint: UpstreamEndpoint,
    generation: number,
  ): Promise<{ relations: number[]; types: number[] }> {
    const statements: string[] = [];
    if (types.length > 0) statements.push(typeLookup(types));
    if (relations.length > 0) statements.push(...relationLookup(relations));
    const byName = names.length > 0 ? nameLookup(names) : null;
    if (byName !== null) statements.push(byName);
    const sets =
      statements.length > 0
        ? await this.#ask((c) => c.query(statements.join('; '), this.#queryTimeout), endpoint)
        : [];
    const keep = generation === this.#generation;
    const next = { relations: [] as number[], types: [] as number[] };
    let i = 0;
    if (types.length > 0) this.#storeTypes(types, sets[i++] ?? [], keep, next);
    if (relations.length > 0) {
      this.#storeRelations(relations, sets[i] ?? [], sets[i + 1] ?? [], sets[i + 2] ?? [], keep, next);
      i += 3;
    }
    if (names.length > 0) this.#storeNames(names, byName === null ? [] : (sets[i] ?? []), keep, next);
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
      const info = readType(r);
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
    dependencies: CatalogRows,
    keep: boolean,
    next: { relations: number[]; types: number[] },
  ): void {
    const found = new Set<number>();
    for (const info of readRelations(rels, attrs, dependencies, this.#options.logger)) {
      found.add(info.oid);
      if (keep) this.#store(this.#relations, info.oid, info);
      for (const a of info.attributes.values()) if (a.typeOid >= FIRST_NORMAL_OID) next.types.push(a.typeOid);
      next.relations.push(...readsOf(info));
    }
    if (keep) for (const oid of asked) if (!found.has(oid)) this.#store(this.#relations, oid, null);
  }

  #storeNames(
    asked: readonly string[],
    rows: CatalogRows,
    keep: boolean,
    next: { relations: number[]; types: number[] },
  ): void {
    for (const [name, found] of readNames(asked, rows)) {
      if (keep) this.#store(this.#names, name, found);
      const positional = this.#positional.has(name);
      for (const r of found) if (r.view || positional) next.relations.push(r.oid);
    }
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
