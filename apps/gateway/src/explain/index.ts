export { ClientOutcome, ExplainInputError, Explainer } from './explain-report';
export type {
  ClientView,
  ExplainedFacts,
  ExplainedStatement,
  ExplainReport,
  ExplainRequest,
} from './explain-report';
