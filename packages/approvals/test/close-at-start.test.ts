import { deleteKeys, newService, uniquePrefix } from './helpers';

/**
 * A service closed right after it started (a gateway stopped at once, a
 * worker killed at birth) closes cleanly: BullMQ emits an 'error' nobody
 * listens to, which would throw out of the process, when a connection that
 * is still initialising is closed.
 */
describe('closing a service that has just started (real Redis)', () => {
  const prefix = uniquePrefix();
  afterAll(() => deleteKeys(prefix));

  it('never raises an unhandled error, however soon it is closed', async () => {
    for (let i = 0; i < 20; i++) {
      const service = newService(prefix, { instanceId: `close-at-start-${i}` });
      await service.start();
      await service.close();
    }
    // Anything BullMQ emits late would surface here, inside the test.
    await new Promise((r) => setTimeout(r, 200));
  });
});
