import { DEFINITION_HANDLERS } from './definition-handlers';
import { functionCall } from './function-effects';
import { GUARDRAIL_CHECKS } from './guardrails';
import { QUERY_HANDLERS } from './query-handlers';
import { ROUTINE_HANDLERS } from './routine-handlers';
import type { HandlerRegistry } from './walker';
import { WRAPPER_HANDLERS } from './wrapper-handlers';

/** All node handlers and guardrail checks of the PostgreSQL analyser. */
export const POSTGRES_REGISTRY: HandlerRegistry = Object.freeze({
  handlers: Object.freeze({
    ...QUERY_HANDLERS,
    ...DEFINITION_HANDLERS,
    ...WRAPPER_HANDLERS,
    ...ROUTINE_HANDLERS,
    FuncCall: functionCall,
  }),
  checks: GUARDRAIL_CHECKS,
});
