import { existsSync } from 'node:fs';
import type { Logger } from 'pino';

/**
 * Test hook, honoured only when NODE_ENV is `test`: a worker that has its
 * config but has not yet built its services waits while the file named by
 * this variable is absent. Tests use it to hold a restarting worker in that
 * window deterministically (a reload arriving then must not be lost).
 */
export const WORKER_START_GATE_ENV = 'GATEHOUSE_TEST_WORKER_START_GATE';

const POLL_MS = 50;

export async function workerStartGate(env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const gate = env[WORKER_START_GATE_ENV];
  if (env.NODE_ENV !== 'test' || !gate || existsSync(gate)) return;
  logger.warn({ gate }, 'worker start held by the test gate');
  while (!existsSync(gate)) {
    if (!process.connected) return; // the primary is gone: let startup fail on its own
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
