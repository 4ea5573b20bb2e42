import { connect } from 'node:net';

export type ProbeResult = { readonly reachable: true } | { readonly reachable: false; readonly error: string };

/**
 * Whether a TCP connection to host:port opens within the timeout. Readiness
 * only needs to know the upstream accepts connections; it does not log in.
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ reachable: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ reachable: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ reachable: false, error: err.code ?? 'connection failed' }));
  });
}
