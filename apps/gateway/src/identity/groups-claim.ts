import { GatewayError } from '@gatehouse/sql-core';

/**
 * Bounds on what a token may claim. Dropping groups past a limit could drop a
 * restricting group (masking's strict_groups), so an oversized claim fails the
 * login instead of being truncated.
 */
const MAX_GROUPS = 1000;
const MAX_GROUP_LENGTH = 256;

function lookup(payload: Record<string, unknown>, claim: string): unknown {
  if (claim in payload) return payload[claim];
  // `realm_access.roles` (Keycloak) and similar nested claims; exact names win, so
  // URL-shaped claim names such as `https://example.com/groups` still work.
  let node: unknown = payload;
  for (const part of claim.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The identity's groups from a verified token: a list of strings, or one
 * string of names separated by spaces or commas. A missing claim means no groups.
 */
export function readGroupsClaim(payload: Record<string, unknown>, claim: string): string[] {
  const value = lookup(payload, claim);
  let groups: string[];
  if (value === undefined || value === null) groups = [];
  else if (typeof value === 'string') groups = value.split(/[\s,]+/);
  else if (Array.isArray(value) && value.every((g) => typeof g === 'string')) groups = value as string[];
  else throw new GatewayError('auth_failed', `the token's "${claim}" claim must be a list of strings or a string`);

  const unique = [...new Set(groups.map((g) => g.trim()).filter((g) => g.length > 0))];
  if (unique.length > MAX_GROUPS || unique.some((g) => g.length > MAX_GROUP_LENGTH)) {
    throw new GatewayError('auth_failed', `the token's "${claim}" claim is too large`);
  }
  return unique;
}
