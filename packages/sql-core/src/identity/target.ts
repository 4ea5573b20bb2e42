export const Engine = { postgres: 'postgres', mysql: 'mysql' } as const;
export type Engine = (typeof Engine)[keyof typeof Engine];

/** What the pipeline, policy and audit know of a target: no addresses, no secrets. */
export interface TargetRef {
  readonly name: string;
  readonly engine: Engine;
  /** Free label such as `production` or `staging`, matched by policy rules. */
  readonly environment: string;
}

export const UpstreamTlsMode = {
  disable: 'disable',
  prefer: 'prefer',
  require: 'require',
  verifyFull: 'verify-full',
} as const;
export type UpstreamTlsMode = (typeof UpstreamTlsMode)[keyof typeof UpstreamTlsMode];

/** Everything an engine needs to open one upstream connection for one session. */
export interface UpstreamEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly tls: UpstreamTlsMode;
  /** PEM bundle trusted for verify-full; the system store when absent. */
  readonly tlsCa?: string;
  readonly user: string;
  /** Resolved from the environment at connect time; never logged. */
  readonly password?: string;
}
