import type {
  AuditFailureMode,
  Engine,
  PolicyAction,
  RuleConditions,
  UpstreamTlsMode,
} from '@gatehouse/sql-core';

/**
 * The validated, frozen configuration. Keys mirror the YAML (snake_case) so the
 * documentation and the code share one vocabulary. Normalisations applied at load:
 * durations are milliseconds, sizes are bytes, relative paths are absolute
 * (resolved against the config file's directory), single strings that a key
 * accepts as a shorthand for a list are lists.
 */
export interface GatehouseConfig {
  /** Worker processes; `auto` = one per core. */
  readonly workers: 'auto' | number;
  readonly listeners: readonly ListenerConfig[];
  readonly control: ControlConfig;
  readonly identity: IdentityConfig;
  readonly targets: readonly TargetConfig[];
  readonly policy: PolicyConfig;
  readonly masking: MaskingConfig;
  /** Null when approvals are not configured: statements that need review are denied. */
  readonly approvals: ApprovalsConfig | null;
  readonly audit: AuditConfig;
  readonly tracing: TracingConfig;
  readonly limits: LimitsConfig;
  /** Directory relative paths were resolved against. */
  readonly base_dir: string;
}

export interface TlsFilesConfig {
  /** Absolute path of the PEM certificate chain. */
  readonly cert: string;
  /** Absolute path of the PEM private key. */
  readonly key: string;
  /** A development certificate the gateway makes on first start (listeners only). */
  readonly dev?: boolean;
}

export interface ListenerConfig {
  readonly engine: Engine;
  readonly host: string;
  readonly port: number;
  /** Certificate for client TLS; null means clients cannot use TLS on this listener. */
  readonly tls: TlsFilesConfig | null;
}

export interface ControlConfig {
  readonly host: string;
  readonly port: number;
  /** Groups whose members may use /v1/*. */
  readonly admins: readonly string[];
  /** Per-target TCP connect timeout of /readyz, ms. */
  readonly readiness_timeout: number;
  readonly tls: TlsFilesConfig | null;
  /** GET /metrics: `public` needs no token; `admin` needs a token in control.admins. */
  readonly metrics: 'public' | 'admin';
}

export const JwtAlgorithm = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;
export type JwtAlgorithm = (typeof JwtAlgorithm)[number];

/** Asymmetric algorithms trusted when an issuer names none. Never `none`, never HS*. */
export const DEFAULT_JWT_ALGORITHMS = [
  'RS256',
  'ES256',
  'EdDSA',
  'PS256',
] as const satisfies readonly JwtAlgorithm[];

export type JwksSourceConfig =
  | { readonly kind: 'file'; readonly path: string }
  /** `ca`: PEM file trusted for the JWKS host instead of the system store. */
  | { readonly kind: 'url'; readonly url: string; readonly ca: string | null };

export interface IssuerConfig {
  /** Exact `iss` claim value. */
  readonly issuer: string;
  /** Accepted `aud` values (the token must carry at least one). */
  readonly audience: readonly string[];
  /** Null for dev issuers (their JWKS lives in key_dir) and HMAC issuers. */
  readonly jwks: JwksSourceConfig | null;
  /** Claim holding the groups: a list, or a space/comma separated string. Dotted paths reach nested claims. */
  readonly groups_claim: string;
  readonly algorithms: readonly JwtAlgorithm[];
  /** Local development issuer: key pair created on first use under key_dir. */
  readonly dev: boolean;
  /** Absolute directory of the dev issuer's keys; null unless dev. */
  readonly key_dir: string | null;
  /** Env var holding the HMAC secret; only with HS* algorithms. */
  readonly secret_env: string | null;
}

export interface ServiceTokenConfig {
  readonly name: string;
  /** Lower-case hex SHA-256 of the token. The token itself is never in the config. */
  readonly sha256: string;
  readonly groups: readonly string[];
}

export interface IdentityConfig {
  readonly allow_plaintext_loopback: boolean;
  /** Tolerance for exp/nbf/iat checks, ms. */
  readonly clock_skew: number;
  readonly issuers: readonly IssuerConfig[];
  readonly service_tokens: readonly ServiceTokenConfig[];
}

export interface UpstreamConfig {
  readonly host: string;
  readonly port: number;
  /** Upstream database used when the client names only the target. */
  readonly database: string;
  readonly tls: UpstreamTlsMode;
  /** Absolute path of a PEM CA bundle for verify-full; null = system store. */
  readonly ca: string | null;
}

export interface LoginConfig {
  /** Empty = matches every identity. */
  readonly groups: readonly string[];
  readonly user: string;
  /** Env var holding the upstream password; null for trust/peer-less logins. */
  readonly password_env: string | null;
}

export interface TargetConfig {
  readonly name: string;
  readonly engine: Engine;
  readonly environment: string;
  readonly upstream: UpstreamConfig;
  /** First match by group wins. */
  readonly logins: readonly LoginConfig[];
}

/** Conditions of a rule, as the policy package defines them; an absent key matches anything. */
export type PolicyRuleWhen = RuleConditions;

export interface PolicyRuleConfig {
  readonly id: string;
  readonly when: PolicyRuleWhen;
  readonly action: PolicyAction;
  readonly reason: string | null;
  /** Review only: groups whose members may approve (else approvals.approvers). */
  readonly approvers?: readonly string[];
  /** Review only: distinct approvals needed (else approvals.required). */
  readonly required?: number;
  /** Review only: an approval also lets the same identity retry the same text within approvals.grant_window. */
  readonly grant?: boolean;
}

export interface PolicyConfig {
  /** First match wins; no match denies. */
  readonly rules: readonly PolicyRuleConfig[];
}

export interface MaskColumnConfig {
  /** `schema.table` or `table`. */
  readonly table: string;
  readonly column: string;
  readonly mask: string;
}

export interface MaskingConfig {
  readonly auto: boolean;
  readonly unmasked_groups: readonly string[];
  readonly strict_groups: readonly string[];
  readonly columns: readonly MaskColumnConfig[];
  /** Env var holding the deterministic-mask key; null when deterministic masks are not used. */
  readonly key_env: string | null;
  /** Keyed pseudonyms for every classified column that has one (needs key_env). */
  readonly deterministic: boolean;
  /** Which unclassified columns have their values scanned. */
  readonly value_scan: 'unclassified' | 'unknown-lineage' | 'off';
}

export interface WebhookConfig {
  readonly name: string;
  /** Exactly one of url and url_env is set. */
  readonly url: string | null;
  /** Env var holding the URL (Slack webhook URLs are secrets). */
  readonly url_env: string | null;
  readonly format: 'json' | 'slack';
  /** Null = the approvals package's default events. */
  readonly events:
    readonly ('requested' | 'approved' | 'denied' | 'expired' | 'withdrawn' | 'executed')[] | null;
  /** Header name -> env var holding its value. */
  readonly headers_env: Readonly<Record<string, string>>;
}

export interface ApprovalsConfig {
  /** redis:// or rediss:// URL, without a password. */
  readonly redis: string;
  /**
   * Prefix of every Redis key (requests, indexes, grants, queues). Deployments sharing one Redis
   * keep apart with their own; every process of one deployment must use the same.
   */
  readonly key_prefix: string;
  readonly approvers: readonly string[];
  readonly required: number;
  /** How long a request waits before it expires, ms. */
  readonly timeout: number;
  /** How long an approval covers a CI retry of the same text (rules with grant: true), ms; 0 disables grants. */
  readonly grant_window: number;
  readonly webhooks: readonly WebhookConfig[];
  readonly notifications: {
    readonly attempts: number;
    /** First retry delay, ms (doubled per retry). */
    readonly backoff: number;
    /** One webhook request, ms. */
    readonly timeout: number;
    readonly control_url: string | null;
  };
  /** How long decided requests stay readable, ms. */
  readonly retention: number;
  readonly connect_timeout: number;
  readonly command_timeout: number;
  readonly recheck_interval: number;
}

export interface AuditConfig {
  /**
   * False: no audit file and no copies; statements run with no record at all
   * (metrics and spans still see every event). For benchmarks and development
   * only: the configuration warns, the gateway logs it at error level.
   */
  readonly enabled: boolean;
  /** Absolute path of the JSONL audit file (per worker: audit.w1.jsonl, ...). */
  readonly file: string;
  /** refuse: statements whose record cannot be written are refused; allow: they run, the loss is logged. */
  readonly on_failure: AuditFailureMode;
  /** write: a record is acknowledged once in the file; fsync: once on disk. */
  readonly durability: 'write' | 'fsync';
  /** write durability: fsync at most this long after a record, ms. */
  readonly fsync_interval: number;
  /** write durability: or once this many records are unsynced. */
  readonly fsync_records: number;
  /** Rotate the live file at this size, bytes. */
  readonly rotate_size: number;
  /** Keep the client's full statement text (with literals) in intents: true, false, or these targets. */
  readonly keep_full_text: boolean | readonly string[];
  /** Copy of the chain in a PostgreSQL table (best effort); null when not configured. */
  readonly postgres: AuditPostgresConfig | null;
  /** Copy of the chain POSTed to a collector (best effort); null when not configured. */
  readonly webhook: AuditWebhookConfig | null;
}

/** Batching and buffering of a best-effort sink. */
export interface AuditReplicaConfig {
  /** Records per insert or POST. */
  readonly batch: number;
  /** Records held in memory while the sink is slow or down; beyond it the oldest are dropped (and counted). */
  readonly buffer: number;
  /** Longest a record waits for its batch to fill, ms. */
  readonly flush_interval: number;
}

export interface AuditPostgresConfig extends AuditReplicaConfig {
  /** Env var holding a libpq URL; exactly one of dsn_env and target. */
  readonly dsn_env: string | null;
  /** Connect to this target's upstream host, port and TLS mode, with `user`. */
  readonly target: string | null;
  /** With target: the database (default: the target's upstream database). */
  readonly database: string | null;
  readonly user: string | null;
  readonly password_env: string | null;
  /** `name` or `schema.name`; created on start. */
  readonly table: string;
  /** GET /v1/audit reads this table (true) instead of scanning the files. */
  readonly query: boolean;
}

export interface AuditWebhookConfig extends AuditReplicaConfig {
  /** Exactly one of url and url_env is set. */
  readonly url: string | null;
  readonly url_env: string | null;
  /** Header name -> env var holding its value. */
  readonly headers_env: Readonly<Record<string, string>>;
  /** One POST, ms. */
  readonly timeout: number;
}

export interface TracingConfig {
  /** Put the normalised statement text (no literals) in db.query.text. */
  readonly statement_text: boolean;
}

export interface LimitsConfig {
  /** Largest wire message accepted from a client or upstream, bytes. */
  readonly max_message_size: number;
  /** Upstream dial timeout, ms. */
  readonly connect_timeout: number;
  /** Time a client has to finish startup and authentication, ms. */
  readonly auth_timeout: number;
  /** On SIGTERM, how long running statements may finish before sessions are closed, ms. */
  readonly shutdown_grace: number;
}
