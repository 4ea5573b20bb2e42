import type { GatehouseConfig } from './config-types';

/**
 * config.policy.rules as the policy compiler takes them: plain data, absent
 * keys left out. The compiler validates and carries every rule key,
 * including `grant` (CI re-execution after approval), into its verdicts.
 */
export function policyRulesData(config: GatehouseConfig): unknown[] {
  return config.policy.rules.map((rule) => {
    const { reason, ...rest } = rule;
    const data: Record<string, unknown> = { ...rest };
    if (reason !== null) data.reason = reason;
    return data;
  });
}
