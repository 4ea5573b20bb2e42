import type { TLSSocket } from 'node:tls';

/**
 * Waits for a TLS handshake to finish (`secure` on the server side,
 * `secureConnect` on the client side), bounded by the signal.
 */
export function tlsReady(
  tlsSocket: TLSSocket,
  event: 'secure' | 'secureConnect',
  signal: AbortSignal,
  mapError: (err: Error) => Error = (err) => err,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      tlsSocket.destroy();
      reject(new Error('TLS handshake timed out'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once(event, () => {
      signal.removeEventListener('abort', onAbort);
      tlsSocket.removeAllListeners('error');
      tlsSocket.setNoDelay(true);
      resolve(tlsSocket);
    });
    tlsSocket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(mapError(err));
    });
  });
}
