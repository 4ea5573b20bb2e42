import type { GatehouseConfig } from './config-types';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Things that are valid but probably not what the operator meant. `gatehouse
 * check` prints them and `gatehouse start` logs them; none stops the gateway.
 */
export function configWarnings(c: GatehouseConfig, env: NodeJS.ProcessEnv = {}): string[] {
  const out: string[] = [];
  if (c.control.admins.length === 0) out.push('control.admins is empty: nobody can use /v1/* on the control API');
  if (!isLoopbackHost(c.control.host) && !c.control.tls) {
    out.push(`control.host ${c.control.host} is reachable from other hosts without TLS: bearer tokens would cross the network in clear; add control.tls`);
  }
  c.listeners.forEach((l, i) => {
    if (!isLoopbackHost(l.host) && !l.tls) {
      out.push(`listeners[${i}] (${l.host}:${l.port}) has no tls: clients on other hosts cannot log in, because tokens are only accepted over TLS; add listeners[${i}].tls`);
    }
  });
  const dev = c.identity.issuers.find((i) => i.dev);
  const production = c.targets.filter((t) => /prod/i.test(t.environment));
  if (dev && production.length > 0) {
    out.push(`the dev issuer "${dev.issuer}" is trusted while target ${production.map((t) => t.name).join(', ')} is ${production[0]!.environment}: anyone with the dev key can sign tokens; remove the dev issuer in production`);
  }
  if (c.identity.issuers.length === 0 && c.identity.service_tokens.length === 0) {
    out.push('identity has no issuers and no service tokens: nobody can log in');
  }
  c.targets.forEach((t, i) => {
    if (t.upstream.tls === 'disable' && !isLoopbackHost(t.upstream.host)) {
      out.push(`targets[${i}].upstream.tls is disable for a remote host: upstream passwords and data cross the network in clear`);
    }
    t.logins.forEach((l, j) => {
      if (l.password_env && env[l.password_env] === undefined) {
        out.push(`targets[${i}].logins[${j}].password_env: ${l.password_env} is not set in this environment; sessions using this login will fail`);
      }
    });
  });
  if (!c.audit.enabled) {
    out.push('audit.enabled is false: statements run with NO audit record at all; use it only to benchmark or develop, never where anything real runs');
  }
  if (c.audit.keep_full_text !== false) {
    const which = c.audit.keep_full_text === true ? 'every target' : `target ${c.audit.keep_full_text.join(', ')}`;
    out.push(`audit.keep_full_text is on for ${which}: intents keep the client's statement text with its literals, which can hold personal data and secrets`);
  }
  if (c.audit.postgres?.dsn_env && env[c.audit.postgres.dsn_env] === undefined) {
    out.push(`audit.postgres.dsn_env: ${c.audit.postgres.dsn_env} is not set in this environment; the gateway will not start`);
  }
  if (c.policy.rules.length === 0) out.push('policy.rules is empty: every statement will be denied');
  const catchAll = c.policy.rules.findIndex((r) => Object.keys(r.when).length === 0);
  if (catchAll !== -1 && catchAll < c.policy.rules.length - 1) {
    out.push(`policy.rules[${catchAll}] (${c.policy.rules[catchAll]!.id}) matches every statement: the rules after it never apply`);
  }
  out.push(...unreachableWho(c));
  return out;
}

/**
 * With no issuers, every identity is a service token, so the groups and
 * subjects anyone can have are known: a rule naming others never matches.
 * (With an issuer, groups come from tokens and cannot be checked.)
 */
function unreachableWho(c: GatehouseConfig): string[] {
  if (c.identity.issuers.length > 0 || c.identity.service_tokens.length === 0) return [];
  const groups = new Set(c.identity.service_tokens.flatMap((t) => t.groups));
  const subjects = new Set(c.identity.service_tokens.map((t) => t.name));
  const out: string[] = [];
  c.policy.rules.forEach((r, i) => {
    for (const g of r.when.groups ?? []) {
      if (!groups.has(g)) out.push(`policy.rules[${i}] (${r.id}) names group "${g}", which no service token has and there is no issuer: the rule never matches it`);
    }
    for (const s of r.when.identities ?? []) {
      if (!subjects.has(s)) out.push(`policy.rules[${i}] (${r.id}) names identity "${s}", which is no service token's name and there is no issuer: the rule never matches it`);
    }
  });
  return out;
}
