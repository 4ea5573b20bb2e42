import type { GatehouseConfig } from './config-types';

/**
 * config.policy.rules as the policy compiler takes them: plain data, absent
 * keys left out. `grant` (CI re-execution after approval) is read by the
 * approvals wiring from the config rule itself, not by the compiler.
 */
export function policyRulesData(config: GatehouseConfig): unknown[] {
  return config.policy.rules.map((rule) => {
    const { reason, ...rest } = rule;
    const data: Record<string, unknown> = { ...rest };
    delete data.grant;
    if (reason !== null) data.reason = reason;
    return data;
  });
}
