import type { SessionInfo, SessionRegistry } from '@gatehouse/sql-core';

/**
 * The sessions the control API sees. Asynchronous because, with several
 * worker processes, listing and terminating gathers from each of them; the
 * in-process registry is the single-process case.
 */
export interface SessionDirectory {
  list(): Promise<SessionInfo[]>;
  /** Ends the session; false when no worker holds a session with this id. */
  terminate(id: string, reason: string): Promise<boolean>;
}

/** A SessionDirectory over this process's SessionRegistry. */
export function localSessionDirectory(registry: SessionRegistry): SessionDirectory {
  return {
    list: async () => registry.list(),
    terminate: async (id, reason) => registry.terminate(id, reason),
  };
}
