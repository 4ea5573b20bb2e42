export * from './statement-facts';
export { KIND_STRENGTH, strongerKind } from './kind-order';
export { GuardrailId, GUARDRAIL_CATALOGUE } from './guardrail-catalogue';
export { AnalysisCache } from './analysis-cache';
export {
  createPostgresAnalyser,
  PostgresAnalyser,
  type PostgresAnalyserOptions,
} from './postgres/postgres-analyser';
export * from './data-flow';
export {
  analysePostgresDataFlow,
  createPostgresDataFlowAnalyser,
  PostgresDataFlowAnalyser,
  postgresStatementTexts,
  type PostgresDataFlowOptions,
} from './postgres/data-flow-analyser';
export { throughViews, type ViewColumns, type ViewDefinition } from './postgres/lineage-views';
export { quoteIdentifier } from './postgres/identifiers';
