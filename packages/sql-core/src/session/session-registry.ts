import type { Engine, TargetRef } from '../identity/target';

/** A session as the control API lists it. Holds no secrets and no literal values. */
export interface SessionInfo {
  readonly id: string;
  readonly engine: Engine;
  readonly subject: string;
  readonly groups: readonly string[];
  readonly target: TargetRef;
  readonly database: string;
  readonly clientAddress: string;
  readonly clientUser: string;
  readonly tls: boolean;
  readonly since: string;
  readonly statements: number;
  /** Normalised text (literals removed) of the statement now running, if any. */
  readonly currentStatement: string | null;
}

/** What an engine registers for each authenticated session. */
export interface SessionHandle {
  readonly id: string;
  info(): SessionInfo;
  /** Ends the session: the client gets an admin-shutdown error and is closed. */
  terminate(reason: string): void;
}

/** The live sessions of this process. */
export class SessionRegistry {
  readonly #sessions = new Map<string, SessionHandle>();

  add(handle: SessionHandle): void {
    this.#sessions.set(handle.id, handle);
  }

  remove(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  list(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info());
  }

  get(id: string): SessionInfo | undefined {
    return this.#sessions.get(id)?.info();
  }

  terminate(id: string, reason: string): boolean {
    const handle = this.#sessions.get(id);
    if (!handle) return false;
    handle.terminate(reason);
    return true;
  }

  terminateAll(reason: string): void {
    for (const handle of this.#sessions.values()) handle.terminate(reason);
  }
}
