import type { FuncCall } from '@pgsql/types';
import type { CallFlow, ColumnFlowUse, OracleKind, OutputColumn, StoredFlow, UseClause } from '../data-flow';
import {
  combine,
  derived,
  fromOutput,
  itemColumn,
  LineageScope,
  NONE,
  rowOf,
  transformed,
  UNKNOWN,
  type Flow,
} from './lineage-scope';
import {
  asNode,
  baseName,
  functionName,
  isObj,
  list,
  nameParts,
  nodeType,
  stringNode,
  type Obj,
} from './pg-node';

/** Functions whose result shows (part of) their input: no oracle in strict mode, lineage kept. */
// prettier-ignore
const PRESERVING: ReadonlySet<string> = new Set([
  'lower', 'upper', 'initcap', 'btrim', 'trim', 'ltrim', 'rtrim', 'concat', 'concat_ws', 'substr',
  'substring', 'left', 'right', 'replace', 'translate', 'encode', 'decode', 'convert_to', 'convert_from',
  'format', 'lpad', 'rpad', 'repeat', 'reverse', 'quote_literal', 'quote_nullable', 'quote_ident',
  'string_agg', 'array_agg', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'row_to_json',
  'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object', 'json_build_array', 'jsonb_build_array',
  'array_to_json', 'array_to_string', 'string_to_array', 'unnest', 'coalesce', 'min', 'max', 'any_value',
  'first_value', 'last_value', 'nth_value', 'lag', 'lead', 'jsonb_strip_nulls', 'json_strip_nulls',
  'jsonb_pretty', 'jsonb_set', 'jsonb_insert', 'text', 'to_char', 'date_trunc', 'split_part', 'regexp_replace',
  'overlay', 'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'digest', 'count',
]);
/** Functions whose result writes (part of) its input the way the input was written: format-keeping masks still fit. */
// prettier-ignore
const SHAPE_KEEPING: ReadonlySet<string> = new Set([
  'lower', 'upper', 'initcap', 'btrim', 'trim', 'ltrim', 'rtrim', 'concat', 'concat_ws', 'substr', 'substring',
  'left', 'right', 'lpad', 'rpad', 'string_agg', 'array_agg', 'json_agg', 'jsonb_agg', 'json_object_agg',
  'jsonb_object_agg', 'row_to_json', 'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object',
  'json_build_array', 'jsonb_build_array', 'array_to_json', 'array_to_string', 'string_to_array', 'unnest',
  'coalesce', 'min', 'max', 'any_value', 'first_value', 'last_value', 'nth_value', 'lag', 'lead',
  'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty', 'jsonb_set', 'jsonb_insert', 'text', 'split_part',
  'quote_literal', 'quote_nullable', 'format', 'date_trunc', 'greatest', 'least', 'nullif',
]);
/** Results that carry nothing of their arguments' values (a count, a length, a rank): no lineage. */
// prettier-ignore
const NO_LINEAGE: ReadonlySet<string> = new Set([
  'count', 'length', 'char_length', 'character_length', 'octet_length', 'bit_length', 'array_length',
  'cardinality', 'num_nulls', 'num_nonnulls', 'pg_column_size', 'json_array_length', 'jsonb_array_length',
  'array_ndims', 'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'pg_typeof',
  'grouping',
]);
/** Whole rows serialised as JSON: the result is still a row of the argument's table. */
// prettier-ignore
const ROW_JSON: ReadonlySet<string> = new Set([
  'row_to_json', 'to_json', 'to_jsonb', 'json_agg', 'jsonb_agg', 'jsonb_strip_nulls', 'json_strip_nulls',
  'jsonb_pretty', 'array_to_json',
]);
/** Calls that wait: a timing oracle. */
const SLEEPS: ReadonlySet<string> = new Set(['pg_sleep', 'pg_sleep_for', 'pg_sleep_until']);
/** Operators whose result shows their operands (concatenation, JSON access). */
const PRESERVING_OPS: ReadonlySet<string> = new Set(['||', '->', '->>', '#>', '#>>', '#-']);
const ARITHMETIC_OPS: ReadonlySet<string> = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '|/',
  '||/',
  '@',
  '&',
  '|',
  '#',
  '~',
  '<<',
  '>>',
]);
/** Casts to these types cannot fail or reveal anything a text value does not. */
const TEXT_TYPES: ReadonlySet<string> = new Set([
  'text',
  'varchar',
  'bpchar',
  'char',
  'name',
  'citext',
  'json',
  'jsonb',
  'unknown',
]);

/** Deeper expressions are not traced (the parser's own limit is close); they count as unknown. */
const MAX_DEPTH = 1000;

/**
 * Traces expressions to the columns their values come from, and records every
 * column reference with the clause it sits in and any oracle around it.
 */
export class FlowTracer {
  scope: LineageScope = new LineageScope(null);
  clause: UseClause = 'output';
  /** Uses in a subquery's select list count as this clause (a subquery inside WHERE is a predicate). */
  outputClause: UseClause = 'output';
  #oracle: { kind: OracleKind; detail?: string } | null = null;
  readonly uses: ColumnFlowUse[] = [];
  readonly stores: StoredFlow[] = [];
  readonly calls: CallFlow[] = [];
  sleeps = false;
  /** A constant changed the flow (see StatementDataFlow.constantsMatter). */
  constantsMatter = false;
  #depth = 0;

  /** Set by the query tracer: the result columns of a nested query (null: not traced). */
  subquery: (node: unknown) => readonly OutputColumn[] | null = () => null;

  withClause<T>(clause: UseClause, fn: () => T): T {
    const saved = this.clause;
    this.clause = clause === 'output' ? this.outputClause : clause;
    try {
      return fn();
    } finally {
      this.clause = saved;
    }
  }

  withOracle<T>(kind: OracleKind | null, detail: string | undefined, fn: () => T): T {
    if (kind === null || this.#oracle !== null) return fn();
    this.#oracle = detail === undefined ? { kind } : { kind, detail };
    try {
      return fn();
    } finally {
      this.#oracle = null;
    }
  }

  /** Traces a nested query in a new scope under the current one; uses in its select list inherit the current clause. */
  nestedQuery(node: unknown): readonly OutputColumn[] | null {
    const saved = this.outputClause;
    if (this.clause !== 'output') this.outputClause = this.clause;
    try {
      return this.subquery(node);
    } finally {
      this.outputClause = saved;
    }
  }

  use(flow: Flow): void {
    for (const source of flow.sources) {
      const oracle = this.#oracle;
      const use: ColumnFlowUse =
        oracle === null
          ? { source, clause: this.clause }
          : oracle.detail === undefined
            ? { source, clause: this.clause, oracle: oracle.kind }
            : { source, clause: this.clause, oracle: oracle.kind, detail: oracle.detail };
      this.uses.push(use);
    }
  }

  expr(node: unknown): Flow {
    if (!isObj(node)) return NONE;
    if (Array.isArray(node)) return combine(node.map((n) => this.expr(n)));
    if (++this.#depth > MAX_DEPTH) {
      this.#depth--;
      return UNKNOWN;
    }
    try {
      const type = nodeType(node);
      return type === null ? this.#generic(node) : this.#typed(type, (node as Obj)[type]);
    } finally {
      this.#depth--;
    }
  }

  #typed(type: string, body: unknown): Flow {
    if (!isObj(body)) return NONE;
    switch (type) {
      case 'ColumnRef':
        return this.#columnRef(body);
      case 'A_Const':
      case 'ParamRef':
      case 'SQLValueFunction':
      case 'SetToDefault':
      case 'CurrentOfExpr':
        return NONE;
      case 'TypeCast': {
        const names = (isObj(body.typeName) ? nameParts(body.typeName.names) : null) ?? [];
        const target = names[names.length - 1] ?? '';
        const oracle = TEXT_TYPES.has(target) ? null : 'cast';
        return derived(this.withOracle(oracle, target, () => this.expr(body.arg)));
      }
      case 'CollateClause':
        return this.expr(body.arg);
      case 'FuncCall':
        return this.#funcCall(body as FuncCall);
      case 'A_Expr':
        return this.#aExpr(body);
      case 'BoolExpr':
      case 'NullTest':
      case 'BooleanTest':
        this.withOracle('comparison', undefined, () => this.#generic(body));
        return NONE;
      case 'CaseExpr': {
        this.withOracle('case', undefined, () => {
          this.expr(body.arg);
          for (const w of list(body.args)) this.expr(asNode(w, 'CaseWhen')?.expr);
        });
        const results = list(body.args).map((w) => this.expr(asNode(w, 'CaseWhen')?.result));
        return combine([...results, this.expr(body.defresult)]);
      }
      case 'CoalesceExpr':
      case 'RowExpr':
        return combine(list(body.args).map((a) => this.expr(a)));
      case 'A_ArrayExpr':
        return combine(list(body.elements).map((a) => this.expr(a)));
      case 'MinMaxExpr':
        return this.withOracle('comparison', undefined, () =>
          combine(list(body.args).map((a) => this.expr(a))),
        );
      case 'SubLink':
        return this.#subLink(body);
      case 'A_Indirection':
        return this.#indirection(body);
      case 'ResTarget':
        return this.expr(body.val);
      case 'List':
        return combine(list(body.items).map((a) => this.expr(a)));
      case 'SelectStmt':
        return combine((this.nestedQuery({ SelectStmt: body }) ?? []).map(fromOutput));
      default:
        return this.#generic(body);
    }
  }

  /** A node this tracer does not know: everything inside it may flow into its value. */
  #generic(body: Obj): Flow {
    const parts: Flow[] = [];
    for (const key in body) {
      const v = body[key];
      if (typeof v === 'object' && v !== null) parts.push(this.expr(v));
    }
    return combine(parts);
  }

  #columnRef(body: Obj): Flow {
    const fields: string[] = [];
    for (const f of list(body.fields))
      fields.push(stringNode(f) ?? (asNode(f, 'A_Star') !== null ? '*' : ''));
    let flow: Flow;
    if (fields.length === 1 && fields[0] === '*') {
      flow = combine(this.scope.items.filter((i) => !i.qualifiedOnly).map(rowOf));
    } else if (fields.length === 2 && fields[1] === '*') {
      const item = this.scope.find(fields[0] ?? '');
      flow = item === null ? UNKNOWN : rowOf(item);
    } else if (fields.length === 1) {
      // A bare FROM-item name with no column of that name is its whole row (`SELECT u FROM users u`).
      const item = this.scope.wholeRow(fields[0] ?? '');
      flow = item !== null ? rowOf(item) : this.scope.column(fields);
    } else {
      flow = this.scope.column(fields);
    }
    this.use(flow);
    return flow;
  }

  #funcCall(fc: FuncCall): Flow {
    const name = functionName(fc).toLowerCase();
    const base = baseName(name);
    if (SLEEPS.has(base)) this.sleeps = true;
    const body = fc as unknown as Obj;
    if (body.agg_filter !== undefined) this.withClause('predicate', () => this.expr(body.agg_filter));
    if (body.agg_order !== undefined) this.withClause('ordering', () => this.expr(body.agg_order));
    const over = isObj(body.over) ? body.over : null;
    if (over !== null) {
      this.withClause('grouping', () => this.expr(over.partitionClause));
      this.withClause('ordering', () => this.expr(over.orderClause));
    }
    const oracle = PRESERVING.has(base) ? null : 'function';
    const args = this.withOracle(oracle, base, () => list(fc.args).map((a) => this.expr(a)));
    const all = combine(args);
    if (all.sources.length > 0) this.calls.push({ name, sources: all.sources });
    if (NO_LINEAGE.has(base)) return NONE;
    if (ROW_JSON.has(base) && args.length === 1 && args[0]?.kind === 'row') return args[0];
    return SHAPE_KEEPING.has(base) ? all : transformed(all);
  }

  #aExpr(body: Obj): Flow {
    const kind = typeof body.kind === 'string' ? body.kind : 'AEXPR_OP';
    const op = (nameParts(body.name) ?? []).pop() ?? '';
    let oracle: OracleKind | null;
    if (kind !== 'AEXPR_OP') oracle = 'comparison';
    else if (PRESERVING_OPS.has(op)) oracle = null;
    else oracle = ARITHMETIC_OPS.has(op) ? 'arithmetic' : 'comparison';
    const [l, r] = this.withOracle(oracle, op, () => [this.expr(body.lexpr), this.expr(body.rexpr)]);
    if (kind === 'AEXPR_NULLIF') return derived(l ?? NONE);
    // to_jsonb(u) - 'ssn', to_jsonb(u) || '{}': still the row of u.
    if (l?.kind === 'row' && r?.kind === 'none') return l;
    const all = combine([l ?? NONE, r ?? NONE]);
    return oracle === 'arithmetic' ? transformed(all) : all;
  }

  #subLink(body: Obj): Flow {
    const type = typeof body.subLinkType === 'string' ? body.subLinkType : '';
    if (body.testexpr !== undefined) this.withOracle('comparison', undefined, () => this.expr(body.testexpr));
    const outputs = this.nestedQuery(body.subselect);
    if (type !== 'EXPR_SUBLINK' && type !== 'ARRAY_SUBLINK' && type !== 'MULTIEXPR_SUBLINK') return NONE;
    if (outputs === null) return UNKNOWN;
    return combine(outputs.map(fromOutput));
  }

  /** `(u).email` is users.email; `(arr)[1]`, `(rec).f` of anything else keep their base's lineage. */
  #indirection(body: Obj): Flow {
    const base = body.arg;
    const first = list(body.indirection)[0];
    const field = stringNode(first);
    const ref = asNode(base, 'ColumnRef');
    if (field !== null && ref !== null) {
      const fields = list(ref.fields).map((f) => stringNode(f) ?? '*');
      const item = fields.length === 1 ? this.scope.wholeRow(fields[0] ?? '') : null;
      if (item !== null) {
        const flow = itemColumn(item, field);
        this.use(flow);
        return flow;
      }
    }
    return derived(combine([this.expr(base), this.expr(body.indirection)]));
  }
}

/** The name PostgreSQL gives a result column (FigureColname), for references from outer queries. */
export function columnName(node: unknown, fallback = '?column?'): string {
  const type = nodeType(node);
  if (type === null) return fallback;
  const body = (node as Obj)[type];
  if (!isObj(body)) return fallback;
  switch (type) {
    case 'ColumnRef': {
      const fields = list(body.fields);
      const last = stringNode(fields[fields.length - 1]);
      return last ?? fallback;
    }
    case 'A_Indirection': {
      for (const i of [...list(body.indirection)].reverse()) {
        const s = stringNode(i);
        if (s !== null) return s;
      }
      return columnName(body.arg, fallback);
    }
    case 'FuncCall':
      return baseName(functionName(body as FuncCall));
    case 'TypeCast': {
      const inner = columnName(body.arg, '');
      if (inner !== '') return inner;
      const names = nameParts((body.typeName as Obj | undefined)?.names) ?? [];
      return names[names.length - 1] ?? fallback;
    }
    case 'CollateClause':
      return columnName(body.arg, fallback);
    case 'A_Expr':
      return body.kind === 'AEXPR_NULLIF' ? 'nullif' : fallback;
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'MinMaxExpr':
      return body.op === 'IS_LEAST' ? 'least' : 'greatest';
    case 'A_ArrayExpr':
      return 'array';
    case 'RowExpr':
      return 'row';
    case 'SubLink': {
      if (body.subLinkType === 'EXISTS_SUBLINK') return 'exists';
      if (body.subLinkType === 'ARRAY_SUBLINK') return 'array';
      const select = asNode(body.subselect, 'SelectStmt');
      const first = list(select?.targetList)[0];
      const rt = asNode(first, 'ResTarget');
      return typeof rt?.name === 'string' ? rt.name : columnName(rt?.val, fallback);
    }
    default:
      return fallback;
  }
}
