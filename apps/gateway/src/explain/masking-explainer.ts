import pino from 'pino';
import {
  GatewayError,
  postgresStatementTexts,
  type Identity,
  type MaskDenial,
  type MaskPlan,
  type OutputColumn,
  type StatementDataFlow,
  type TargetDirectory,
  type TargetRef,
  type UpstreamEndpoint,
} from '@gatehouse/sql-core';
import { CatalogCache, isBuiltInType } from '@gatehouse/pg-protocol';
import type { GatehouseConfig } from '../config';
import { explainColumns } from './column-explanation';
import { MaskingStatus, ResultStatus, type ExplainedMasking, type ExplainedResult } from './masking-report';

const SILENT = pino({ level: 'silent' });

/** What explain knows of the string when it turns to masking. */
export interface MaskingQuestion {
  readonly config: GatehouseConfig;
  /** Built from the same config; only asked for the upstream login when the target is dialled. */
  readonly targets: () => TargetDirectory;
  readonly identity: Identity;
  readonly target: TargetRef;
  readonly database: string;
  readonly sql: string;
  /** The number of statements the analyser found (0: only comments or whitespace). */
  readonly statementCount: number;
  /** The rule that denies the string, when the client would get an error; null when it runs (or waits for approval). */
  readonly deniedBy: string | null;
  /** The mask planner's answer for the string (undefined: not asked, the policy denies it). */
  readonly planned: MaskPlan | MaskDenial | null | undefined;
}

/**
 * Which result columns a session would mask, found as a session finds them
 * without running anything: each statement is sent to the target alone as
 * Parse (unnamed) + Describe + Sync over a gateway-owned connection (the
 * login the identity's groups choose, the target's TLS settings), its
 * RowDescription resolved through a catalog of the same kind the engine
 * keeps, and its columns planned with the identity's mask plan.
 */
export async function explainMasking(q: MaskingQuestion): Promise<ExplainedMasking> {
  const none = (status: MaskingStatus, reason: string): ExplainedMasking => ({ status, reason, results: [] });
  if (q.statementCount === 0)
    return none(MaskingStatus.notEvaluated, 'the string holds no statement: there is no result to mask');
  const planned = q.planned;
  if (planned !== undefined && planned !== null && 'deny' in planned) {
    return { status: MaskingStatus.denied, reason: planned.deny, ruleId: planned.ruleId, results: [] };
  }
  if (q.deniedBy !== null) {
    return none(
      MaskingStatus.notEvaluated,
      `the statement is denied (rule ${q.deniedBy}), so it never runs and returns nothing`,
    );
  }
  if (planned === null || planned === undefined) return none(MaskingStatus.unmasked, unmaskedWhy(q));
  if (q.target.engine !== 'postgres') {
    return none(
      MaskingStatus.unavailable,
      `result columns of ${q.target.engine} targets are not described by explain yet; masking applies when the statement runs`,
    );
  }
  let endpoint: UpstreamEndpoint;
  try {
    endpoint = q.targets().upstreamFor(q.target, q.identity, q.database);
  } catch (err) {
    return none(
      MaskingStatus.unavailable,
      `the target's result columns cannot be described: ${message(err)}`,
    );
  }
  const texts = postgresStatementTexts(q.sql);
  if (texts.length !== q.statementCount) {
    return none(MaskingStatus.unavailable, 'the string could not be split into statements to describe');
  }
  return describeAll(q, planned, endpoint, texts);
}

async function describeAll(
  q: MaskingQuestion,
  plan: MaskPlan,
  endpoint: UpstreamEndpoint,
  texts: readonly string[],
): Promise<ExplainedMasking> {
  const catalog = new CatalogCache({
    logger: SILENT,
    maxMessageSize: q.config.limits.max_message_size,
    connectTimeoutMs: q.config.limits.connect_timeout,
    // Every statement gets its own answer: a failure is not remembered for the next one.
    retryAfterMs: 0,
  });
  const results: ExplainedResult[] = [];
  try {
    for (const [i, text] of texts.entries()) {
      const index = i + 1;
      const flow = plan.statements?.[i];
      const result = await describeOne(catalog, plan, endpoint, text, flow, index);
      if ('unreachable' in result) {
        // The target could not be reached (or refused the login): no statement can be described.
        return {
          status: MaskingStatus.unavailable,
          reason: `the target cannot be reached to describe the results: ${result.unreachable}`,
          results: [],
        };
      }
      results.push(result);
    }
  } finally {
    catalog.close();
  }
  const columns = results.flatMap((r) => r.columns);
  const masked = columns.filter((c) => c.masked).length;
  const strict = q.identity.groups.find((g) => q.config.masking.strict_groups.includes(g));
  const failed = results.filter((r) => r.status === ResultStatus.unavailable).length;
  const reason = [
    `${masked} of ${columns.length} result column${columns.length === 1 ? '' : 's'} masked for ${q.identity.subject}`,
    ...(failed > 0
      ? [`${failed} statement${failed === 1 ? '' : 's'} could not be described (see each)`]
      : []),
    ...(strict !== undefined
      ? [`${strict} is a strict group: masked columns may only be plain result columns`]
      : []),
  ].join('; ');
  return { status: MaskingStatus.evaluated, reason, results };
}

async function describeOne(
  catalog: CatalogCache,
  plan: MaskPlan,
  endpoint: UpstreamEndpoint,
  text: string,
  flow: StatementDataFlow | undefined,
  index: number,
): Promise<ExplainedResult | { readonly unreachable: string }> {
  let fields;
  try {
    fields = await catalog.describe(text, [], endpoint);
  } catch (err) {
    // Dialling and login fail with a GatewayError; a statement the target rejects, with its own error.
    if (err instanceof GatewayError) return { unreachable: message(err) };
    return {
      index,
      status: ResultStatus.unavailable,
      reason: `the target could not describe it: ${message(err)}`,
      columns: [],
    };
  }
  if (fields === null) {
    return { index, status: ResultStatus.noRows, reason: 'the statement returns no rows', columns: [] };
  }
  const outputs = outputsOf(flow);
  const missing = catalog.missing(fields, isBuiltInType, outputs);
  if (missing.relations.length > 0 || missing.types.length > 0 || missing.names.length > 0) {
    // As a session: what the catalog cannot tell is taken from the statement's lineage alone.
    await catalog.resolve(missing.relations, missing.types, endpoint, missing.names).catch(() => undefined);
  }
  return {
    index,
    status: ResultStatus.evaluated,
    columns: explainColumns(plan, fields, outputs, catalog),
  };
}

/** A statement's own result columns; FETCH and EXECUTE of a cursor or prepared statement have none without a session. */
function outputsOf(flow: StatementDataFlow | undefined): readonly OutputColumn[] | null {
  if (flow === undefined || flow.fetches !== undefined || flow.executes !== undefined) return null;
  return flow.outputs;
}

function unmaskedWhy(q: MaskingQuestion): string {
  const group = q.identity.groups.find((g) => q.config.masking.unmasked_groups.includes(g));
  if (group !== undefined)
    return `${q.identity.subject} is in ${group}, one of masking.unmasked_groups: results pass unmasked`;
  return 'masking.auto is off and masking.columns masks nothing: results pass unmasked';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
