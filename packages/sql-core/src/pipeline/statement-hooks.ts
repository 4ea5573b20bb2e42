/** What the engine lends the pipeline for one statement. */
export interface StatementHooks {
  /**
   * Sends an informational message to the client at once (PostgreSQL
   * NoticeResponse), e.g. the approval id while the statement waits.
   */
  notice(message: string, detail?: string): void;
  /** Aborted when the client cancels the statement or goes away. */
  readonly signal: AbortSignal;
}

export const NO_HOOKS: StatementHooks = { notice: () => undefined, signal: new AbortController().signal };
