import { z } from 'zod';
import { didYouMean } from '@gatehouse/sql-core';
import type { GatehouseConfig } from './config-types';
import { identitySchema } from './identity-schema';
import { conditionKey, policySchema } from './policy-schema';
import { expecting, section } from './schema-helpers';
import { auditSchema, tracingSchema } from './audit-schema';
import {
  DEFAULT_LISTENER_PORT,
  approvalsSchema,
  controlSchema,
  limitsSchema,
  listenerSchema,
  maskingSchema,
  workersSchema,
} from './sections-schema';
import { targetSchema } from './targets-schema';

/**
 * Engines this build can serve. MySQL is part of the config language already,
 * but refused at load until its engine exists, so a config never half-works.
 */
export const SUPPORTED_ENGINES: ReadonlySet<string> = new Set(['postgres']);

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '*']);

function sameAddress(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  return a.port === b.port && (a.host === b.host || WILDCARD_HOSTS.has(a.host) || WILDCARD_HOSTS.has(b.host));
}

function crossChecks(c: Omit<GatehouseConfig, 'base_dir'>, ctx: Ctx): void {
  c.listeners.forEach((l, i) => {
    if (!SUPPORTED_ENGINES.has(l.engine)) {
      issue(ctx, ['listeners', i, 'engine'], `${l.engine} listeners are not available in this version yet; remove this listener (only postgres is supported for now)`);
    }
    const clash = c.listeners.findIndex((o, j) => j < i && sameAddress(o, l));
    if (clash !== -1) issue(ctx, ['listeners', i, 'port'], `listeners[${clash}] already uses ${l.host}:${l.port}; pick another port`);
    if (sameAddress(l, c.control)) issue(ctx, ['control', 'port'], `listeners[${i}] already uses ${l.host}:${l.port}; pick another control port`);
  });

  const targetNames = new Set<string>();
  c.targets.forEach((t, i) => {
    if (!SUPPORTED_ENGINES.has(t.engine)) {
      issue(ctx, ['targets', i, 'engine'], `${t.engine} targets are not available in this version yet; remove this target (only postgres is supported for now)`);
    }
    if (targetNames.has(t.name)) issue(ctx, ['targets', i, 'name'], `target "${t.name}" is defined twice; target names must be unique`);
    targetNames.add(t.name);
  });

  const issuers = new Set<string>();
  c.identity.issuers.forEach((iss, i) => {
    if (issuers.has(iss.issuer)) issue(ctx, ['identity', 'issuers', i, 'issuer'], `issuer "${iss.issuer}" is listed twice; merge the entries`);
    issuers.add(iss.issuer);
  });
  const devs = c.identity.issuers.flatMap((iss, i) => (iss.dev ? [i] : []));
  if (devs.length > 1) issue(ctx, ['identity', 'issuers', devs[1]!, 'dev'], 'only one issuer may be the dev issuer');

  const tokenNames = new Set<string>();
  const tokenHashes = new Set<string>();
  c.identity.service_tokens.forEach((t, i) => {
    if (tokenNames.has(t.name)) issue(ctx, ['identity', 'service_tokens', i, 'name'], `service token "${t.name}" is listed twice`);
    if (tokenHashes.has(t.sha256)) issue(ctx, ['identity', 'service_tokens', i, 'sha256'], 'this hash is already used by another service token; give each client its own token');
    tokenNames.add(t.name);
    tokenHashes.add(t.sha256);
  });

  const keep = c.audit.keep_full_text;
  (Array.isArray(keep) ? keep : []).forEach((t, i) => {
    if (!targetNames.has(t)) issue(ctx, ['audit', 'keep_full_text', i], `no target named "${t}"; configured targets: ${[...targetNames].join(', ') || '(none)'}`);
  });
  const auditTarget = c.audit.postgres?.target;
  if (auditTarget && !targetNames.has(auditTarget)) {
    issue(ctx, ['audit', 'postgres', 'target'], `no target named "${auditTarget}"; configured targets: ${[...targetNames].join(', ') || '(none)'}`);
  }

  const ruleIds = new Set<string>();
  // A rule naming a target or environment that no target has can never match: a typo
  // (`prodd`) would silently leave production without the rule, so it is refused.
  const environments = new Set(c.targets.map((t) => t.environment));
  c.policy.rules.forEach((r, i) => {
    if (ruleIds.has(r.id)) issue(ctx, ['policy', 'rules', i, 'id'], `rule id "${r.id}" is used twice; rule ids must be unique`);
    ruleIds.add(r.id);
    r.when.targets?.forEach((t, j) => {
      if (!targetNames.has(t)) {
        issue(ctx, ['policy', 'rules', i, 'when', conditionKey(r.when, 'targets'), j], `no target named "${t}"${didYouMean(t, targetNames)}; configured targets: ${[...targetNames].join(', ') || '(none)'}`);
      }
    });
    r.when.environments?.forEach((e, j) => {
      if (!environments.has(e)) {
        issue(ctx, ['policy', 'rules', i, 'when', conditionKey(r.when, 'environments'), j], `no target has environment "${e}"${didYouMean(e, environments)}; the targets' environments: ${[...environments].join(', ') || '(none)'}`);
      }
    });
  });
}

export const configSchema = (baseDir: string) =>
  section(
    {
      workers: workersSchema,
      listeners: z
        .array(listenerSchema(baseDir), { error: expecting('a list of listeners') })
        .min(1, { error: `expected at least one listener such as { engine: postgres, port: ${DEFAULT_LISTENER_PORT.postgres} }` })
        .default([{ engine: 'postgres', host: '127.0.0.1', port: DEFAULT_LISTENER_PORT.postgres, tls: null }]),
      control: controlSchema(baseDir),
      identity: identitySchema(baseDir),
      targets: z
        .array(targetSchema(baseDir), { error: expecting('a list of targets') })
        .min(1, { error: 'expected at least one target; see docs/configuration.md#targets' }),
      policy: policySchema,
      masking: maskingSchema,
      approvals: approvalsSchema.optional(),
      audit: auditSchema(baseDir),
      tracing: tracingSchema,
      limits: limitsSchema,
    },
    'a mapping at the top of the file',
  )
    .transform((c) => ({ ...c, approvals: c.approvals ?? null }))
    .superRefine(crossChecks)
    .transform((c): GatehouseConfig => ({ ...c, base_dir: baseDir }));
