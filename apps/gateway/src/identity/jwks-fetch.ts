import { request } from 'node:https';
import type { FetchImplementation } from 'jose';

/** A JWKS is a few kilobytes; a larger answer is refused rather than buffered. */
const MAX_JWKS_BYTES = 1024 * 1024;

/**
 * The fetch jose uses for remote JWKS: HTTPS only, an optional private CA for
 * internal identity providers, redirects not followed, body size bounded.
 */
export function httpsJwksFetch(ca: string | null): FetchImplementation {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new Error('JWKS URLs must use https'));
        return;
      }
      const req = request(
        target,
        {
          method: 'GET',
          headers: Object.fromEntries(options.headers.entries()),
          signal: options.signal,
          ...(ca !== null ? { ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_JWKS_BYTES) {
              res.destroy(new Error(`JWKS response larger than ${MAX_JWKS_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (typeof v === 'string') headers.set(k, v);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
}
