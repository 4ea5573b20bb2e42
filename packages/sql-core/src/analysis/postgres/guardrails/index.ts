import type { NodeCheck } from '../walker';
import { DESTRUCTIVE_CHECKS } from './destructive';
import { HIDDEN_EFFECT_CHECKS } from './hidden-effects';
import { LOCKING_CHECKS } from './locking';
import { MIGRATION_CHECKS } from './migration-safety';
import { PREDICATE_CHECKS } from './predicates';
import { PRIVILEGE_CHECKS } from './privileges';
import { SERVER_ACCESS_CHECKS } from './server-access';
import { SETTINGS_CHECKS } from './settings-changes';

const FAMILIES: readonly Readonly<Record<string, NodeCheck>>[] = [
  DESTRUCTIVE_CHECKS,
  PREDICATE_CHECKS,
  HIDDEN_EFFECT_CHECKS,
  PRIVILEGE_CHECKS,
  SETTINGS_CHECKS,
  SERVER_ACCESS_CHECKS,
  LOCKING_CHECKS,
  MIGRATION_CHECKS,
];

/** Every family's checks, indexed by the node type they inspect. */
export const GUARDRAIL_CHECKS: Readonly<Record<string, readonly NodeCheck[]>> = (() => {
  const out: Record<string, NodeCheck[]> = {};
  for (const family of FAMILIES)
    for (const [type, check] of Object.entries(family)) (out[type] ??= []).push(check);
  return Object.freeze(out);
})();
