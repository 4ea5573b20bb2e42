export * from './statement-facts';
export { KIND_STRENGTH, strongerKind } from './kind-order';
export { GuardrailId, GUARDRAIL_CATALOGUE } from './guardrail-catalogue';
export { AnalysisCache } from './analysis-cache';
export {
  createPostgresAnalyser,
  PostgresAnalyser,
  type PostgresAnalyserOptions,
} from './postgres/postgres-analyser';
