export { ClientOutcome, ExplainInputError, Explainer } from './explain-report';
export type {
  ClientView,
  ExplainedFacts,
  ExplainedStatement,
  ExplainerOptions,
  ExplainReport,
  ExplainRequest,
} from './explain-report';
export { MaskingStatus, ResultStatus } from './masking-report';
export type { ExplainedColumn, ExplainedMasking, ExplainedResult, MaskExample } from './masking-report';
