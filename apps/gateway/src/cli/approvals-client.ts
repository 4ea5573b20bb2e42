import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { loadConfig, type ControlConfig } from '../config';

/** Where the control API is and who is calling it. */
export interface ControlEndpoint {
  readonly baseUrl: string;
  readonly token: string;
  /** PEM certificates to trust besides the system store (the gateway's own control certificate). */
  readonly ca?: string;
}

export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Refused before any request: the endpoint could not be worked out. */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

/** How long one control API call may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** 0.0.0.0 / :: mean "every interface" to a server, and nothing to a client: call loopback. */
function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function controlUrl(control: Pick<ControlConfig, 'host' | 'port' | 'tls'>): string {
  return `${control.tls ? 'https' : 'http'}://${clientHost(control.host)}:${control.port}`;
}

/**
 * --url, else $GATEHOUSE_URL, else the control host and port of the config
 * file (and its TLS certificate, trusted for this call). The token is
 * --token, else $GATEHOUSE_TOKEN: the API, not the CLI, decides what it may do.
 */
export function resolveEndpoint(options: {
  readonly url: string | undefined;
  readonly token: string | undefined;
  readonly configFile: string | null;
  readonly env: NodeJS.ProcessEnv;
}): ControlEndpoint {
  const token = options.token ?? options.env.GATEHOUSE_TOKEN;
  if (!token)
    throw new EndpointError(
      "no token: pass --token TOKEN or set GATEHOUSE_TOKEN (an approver's or admin's token)",
    );
  const url = options.url ?? options.env.GATEHOUSE_URL;
  if (url) {
    if (!/^https?:\/\/[^\s/]+/i.test(url))
      throw new EndpointError(`--url: expected http(s)://host:port, got ${JSON.stringify(url)}`);
    return { baseUrl: url.replace(/\/+$/, ''), token };
  }
  if (!options.configFile) {
    throw new EndpointError(
      'no control API address: pass --url http://host:port, set GATEHOUSE_URL, or pass --config FILE',
    );
  }
  let control: ControlConfig;
  try {
    control = loadConfig(options.configFile).control;
  } catch (err) {
    throw new EndpointError(
      `${(err as Error).message}\n(or pass --url http://host:port to skip the config file)`,
    );
  }
  return {
    baseUrl: controlUrl(control),
    token,
    ...(control.tls ? { ca: readFileSync(control.tls.cert, 'utf8') } : {}),
  };
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** One JSON call to the control API. Rejects on network errors; any HTTP status resolves. */
export async function callControl(
  endpoint: ControlEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  signal: AbortSignal = AbortSignal.timeout(REQUEST_TIMEOUT_MS),
): Promise<ControlResponse> {
  const url = new URL(path, `${endpoint.baseUrl}/`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    authorization: `Bearer ${endpoint.token}`,
    accept: 'application/json',
  };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, {
      method,
      headers,
      signal,
      ...(https && endpoint.ca ? { ca: [...rootCertificates, endpoint.ca] } : {}),
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(payload);
  });
  const text = await readBody(res);
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): shown as text.
  }
  return { status: res.statusCode ?? 0, body: parsed };
}
