import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { checkPolicyRules } from '@gatehouse/sql-core';
import { ConfigError } from './config-error';
import { configSchema } from './config-schema';
import type { GatehouseConfig } from './config-types';
import { deepFreeze } from './deep-freeze';
import { checkReferencedFiles } from './file-checks';
import { formatIssue } from './format-issues';
import { policyRulesData } from './policy-rules-data';

/** A config file is a few kilobytes; anything this large is a mistake (or an attack on the parser). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Parses and validates YAML config text. Relative paths resolve against
 * `baseDir`. Throws ConfigError listing every problem; returns a frozen object.
 */
export function parseConfig(text: string, baseDir: string, source = '<config>'): GatehouseConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  // maxAliasCount bounds alias expansion ("billion laughs").
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = configSchema(resolve(baseDir)).safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(source, result.error.issues.map(formatIssue));
  const config: GatehouseConfig = result.data;
  const missing = checkReferencedFiles(config);
  if (missing.length > 0) throw new ConfigError(source, missing);
  // The policy compiler knows the rule semantics (kinds, guardrail ids, globs): a rule it
  // cannot compile makes the whole config invalid, so check, start and reload all refuse it.
  const policyIssues = checkPolicyRules(policyRulesData(config));
  if (policyIssues.length > 0) throw new ConfigError(source, policyIssues.map((i) => i.text));
  return deepFreeze(config);
}

/** Reads, parses and validates a config file (see parseConfig). */
export function loadConfig(file: string): GatehouseConfig {
  const abs = resolve(file);
  let text: string;
  try {
    if (statSync(abs).size > MAX_CONFIG_BYTES) throw new ConfigError(abs, [`the file is larger than ${MAX_CONFIG_BYTES} bytes`]);
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(abs, [code === 'ENOENT' ? 'the file does not exist; pass --config FILE or create it' : `cannot read the file (${code ?? 'error'})`]);
  }
  return parseConfig(text, dirname(abs), abs);
}
