import { readFileSync } from 'node:fs';
import {
  GatewayError,
  type Engine,
  type Identity,
  type ResolvedTarget,
  type TargetDirectory,
  type TargetRef,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import type { LoginConfig, TargetConfig } from '../config';

/** Upstream database names beyond this are refused before they reach the upstream. */
const MAX_DATABASE_NAME = 255;

export interface TargetDirectoryOptions {
  /** Where password_env values are read, at connect time; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
}

interface Entry {
  readonly config: TargetConfig;
  readonly ref: TargetRef;
  /** PEM contents of upstream.ca, read once when the directory is built. */
  readonly tlsCa: string | null;
}

/** Text the client sent, made safe to put in an error message. */
function shown(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 64 ? `${clean.slice(0, 61)}...` : clean);
}

export function loginMatches(login: LoginConfig, identity: Identity): boolean {
  return login.groups.length === 0 || login.groups.some((g) => identity.groups.includes(g));
}

/**
 * The configured targets as engines see them. Built from one frozen config and
 * replaced whole on reload; sessions keep the endpoint they were given.
 */
export class ConfiguredTargetDirectory implements TargetDirectory {
  readonly #entries: ReadonlyMap<string, Entry>;
  readonly #env: NodeJS.ProcessEnv;

  constructor(targets: readonly TargetConfig[], options: TargetDirectoryOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#entries = new Map(
      targets.map((config) => [
        config.name,
        {
          config,
          ref: Object.freeze({ name: config.name, engine: config.engine, environment: config.environment }),
          tlsCa: config.upstream.ca === null ? null : readFileSync(config.upstream.ca, 'utf8'),
        },
      ]),
    );
  }

  /** Every configured target, in config order. */
  get targets(): readonly TargetConfig[] {
    return [...this.#entries.values()].map((e) => e.config);
  }

  /**
   * `prod` -> target prod, its configured database; `prod/analytics` -> target
   * prod, database analytics. With no name, a MySQL client gets the only MySQL
   * target if there is exactly one (DESIGN.md §2).
   */
  resolve(startupDatabase: string | undefined, engine: Engine): ResolvedTarget {
    const requested = startupDatabase ?? '';
    if (requested === '') {
      const candidates = [...this.#entries.values()].filter((e) => e.config.engine === engine);
      if (engine === 'mysql' && candidates.length === 1) return { target: candidates[0]!.ref, database: candidates[0]!.config.upstream.database };
      throw new GatewayError('unknown_target', 'no target named: set the database to a target name, such as prod or prod/otherdb');
    }
    const slash = requested.indexOf('/');
    const name = slash === -1 ? requested : requested.slice(0, slash);
    const database = slash === -1 ? null : requested.slice(slash + 1);
    const entry = this.#entries.get(name);
    // Unauthenticated clients reach this: name what they sent, never the list of targets.
    if (!entry) throw new GatewayError('unknown_target', `unknown target ${shown(name)}`);
    if (entry.config.engine !== engine) {
      throw new GatewayError('unknown_target', `target ${shown(name)} is a ${entry.config.engine} target; connect through the ${entry.config.engine} listener`);
    }
    if (database !== null) {
      if (database === '') throw new GatewayError('unknown_target', `no database named after ${shown(`${name}/`)}`);
      if (database.length > MAX_DATABASE_NAME || /[\x00-\x1f]/.test(database)) {
        throw new GatewayError('unknown_target', 'the database name is too long or holds control characters');
      }
    }
    return { target: entry.ref, database: database ?? entry.config.upstream.database };
  }

  /**
   * The upstream endpoint and login for this identity: the first login whose
   * groups intersect the identity's (a login without groups matches anyone).
   * The password is read from the environment now, so a rotated secret applies
   * to the next connection without a reload.
   */
  upstreamFor(target: TargetRef, identity: Identity, database: string): UpstreamEndpoint {
    const entry = this.#entries.get(target.name);
    if (!entry || entry.config.engine !== target.engine) {
      throw new GatewayError('unknown_target', `target ${shown(target.name)} is no longer configured`);
    }
    const { upstream, logins } = entry.config;
    const login = logins.find((l) => loginMatches(l, identity));
    if (!login) {
      const groups = identity.groups.length > 0 ? identity.groups.join(', ') : 'none';
      throw new GatewayError('no_upstream_login', `no upstream login of target "${target.name}" matches your groups (${groups})`);
    }
    let password: string | undefined;
    if (login.password_env !== null) {
      password = this.#env[login.password_env];
      if (password === undefined || password === '') {
        // Name the variable so the operator can fix it; the value is never shown.
        throw new GatewayError(
          'upstream_unavailable',
          `target "${target.name}": the password of upstream user "${login.user}" is missing (environment variable ${login.password_env} is not set)`,
        );
      }
    }
    return {
      host: upstream.host,
      port: upstream.port,
      database,
      tls: upstream.tls,
      ...(entry.tlsCa !== null ? { tlsCa: entry.tlsCa } : {}),
      user: login.user,
      ...(password !== undefined ? { password } : {}),
    };
  }
}
