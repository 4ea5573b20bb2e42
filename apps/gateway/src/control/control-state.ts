import type { CredentialVerifier } from '@gatehouse/sql-core';
import type { TargetConfig } from '../config';

/**
 * What the control API reads from the running gateway's current config. Read
 * through a getter on each request, so a reload swaps it whole.
 */
export interface ControlState {
  readonly verifier: CredentialVerifier;
  /** Groups allowed on /v1/* (control.admins). */
  readonly admins: readonly string[];
  readonly targets: readonly TargetConfig[];
  /** Per-target connect timeout of /readyz, ms. */
  readonly readinessTimeoutMs: number;
  /** True once shutdown began: /readyz answers 503 so load balancers stop sending clients. */
  readonly draining?: boolean;
}
