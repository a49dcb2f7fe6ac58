import { AppError } from '../errors/app-error.js';
import type {
  CompareOp,
  ExpandItem,
  Expr,
  FunctionName,
  NullNode,
  ODataLimits,
  OrderByItem,
  ParamNode,
  ParamType,
  ParamValue,
  PropertyNode,
  ResourceKey,
  SelectOption,
} from './ast.js';
import {
  clip,
  Lexer,
  T_COLON,
  T_COMMA,
  T_DATETIME,
  T_DOLLAR,
  T_EOF,
  T_EQUALS,
  T_IDENT,
  T_LPAREN,
  T_NUMBER,
  T_RPAREN,
  T_SEMI,
  T_SLASH,
  T_STAR,
  T_STRING,
} from './lexer.js';

/** The query options of the subset, named without the `$`. */
export type OptionName = 'select' | 'filter' | 'expand' | 'orderby' | 'top' | 'skip';

const OPTION_NAMES: ReadonlySet<string> = new Set<OptionName>([
  'select',
  'filter',
  'expand',
  'orderby',
  'top',
  'skip',
]);

const FUNCTION_ARITY: ReadonlyMap<string, number> = new Map<FunctionName, number>([
  ['startswith', 2],
  ['endswith', 2],
  ['contains', 2],
  ['substringof', 2],
  ['tolower', 1],
  ['toupper', 1],
  ['length', 1],
]);

/** `QueryOptions` while it is being filled in; handed out typed as the readonly interface. */
export interface DraftOptions {
  select: SelectOption | null;
  filter: Expr | null;
  expand: readonly ExpandItem[] | null;
  orderby: readonly OrderByItem[] | null;
  top: number | null;
  skip: number | null;
}

export function emptyOptions(): DraftOptions {
  return { select: null, filter: null, expand: null, orderby: null, top: null, skip: null };
}

export interface ResourceTarget {
  readonly resource: string;
  readonly key: ResourceKey | null;
  readonly count: boolean;
}

function compareOp(word: string): CompareOp | null {
  switch (word) {
    case 'eq':
    case 'ne':
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le':
      return word;
    default:
      return null;
  }
}

/**
 * Recursive-descent parser for the OData subset. One instance parses one request: it owns the
 * literal values (in parse order; parse-url.ts renumbers them) and the limit counters. Each query
 * option value gets its own Lexer; `$expand` options nest inside the `$expand` value's token stream.
 *
 * Expression grammar (precedence as in the balena reference parser; see `LogicalNode`):
 *   expr    := compare (('and' | 'or') compare)*
 *   compare := unary ((eq|ne|gt|ge|lt|le) unary | 'in' '(' literal (',' literal)* ')')?
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | literal | 'null' | fn '(' args ')' | path
 *   path    := name ('/' name)* ('/$count' ('($filter=' expr ')')? | '/' ('any'|'all') '(' var ':' expr ')')?
 */
export class ODataParser {
  /** Literal values in the order they were parsed. */
  readonly values: ParamValue[] = [];
  private lx!: Lexer;
  private nodes = 0;
  private depth = 0;
  private expandDepth = 0;
  /** Lambda variables in scope, innermost last. */
  private readonly scope: string[] = [];

  constructor(private readonly limits: ODataLimits) {}

  /** `/resource`, `/resource(key)`, optionally followed by `/$count`. */
  parseResourcePath(src: string): ResourceTarget {
    this.lx = new Lexer(src, 'resource path');
    this.expect(T_SLASH, "'/'");
    const resource = this.ident('a resource name');
    let key: ResourceKey | null = null;
    if (this.eat(T_LPAREN)) {
      let field: string | null = null;
      if (this.lx.kind === T_IDENT) {
        field = this.ident('a key name');
        this.expect(T_EQUALS, "'='");
      }
      const lx = this.lx;
      let value: ParamNode;
      if (lx.kind === T_NUMBER && lx.isInt) value = this.param(lx.num, 'number');
      else if (lx.kind === T_STRING && field !== null) value = this.param(lx.text, 'string');
      else
        return lx.fail(
          `expected ${field === null ? 'an integer key' : 'an integer or a string'} but found ${lx.describe()}`,
        );
      lx.next();
      this.expect(T_RPAREN, "')'");
      key = { field, value };
    }
    let count = false;
    if (this.eat(T_SLASH)) {
      this.expectCount();
      count = true;
    }
    this.expect(T_EOF, 'end of path');
    return { resource, key, count };
  }

  /** Parses one top-level `$name=value` (already percent-decoded) into `into`. */
  parseTopOption(name: string, src: string, into: DraftOptions): void {
    if (!OPTION_NAMES.has(name))
      throw new AppError('odata_syntax', `Unsupported OData query option '$${clip(name)}'`);
    this.lx = new Lexer(src, `$${name}`);
    this.option(name, into);
    this.expect(T_EOF, `end of $${name}`);
  }

  private option(name: string, into: DraftOptions): void {
    if (!OPTION_NAMES.has(name)) this.lx.fail(`unsupported query option '$${clip(name)}'`);
    const opt = name as OptionName;
    if (into[opt] !== null) this.lx.fail(`duplicate $${opt}`);
    switch (opt) {
      case 'select':
        into.select = this.select();
        return;
      case 'filter':
        into.filter = this.expr();
        return;
      case 'expand':
        into.expand = this.expandList();
        return;
      case 'orderby':
        into.orderby = this.orderby();
        return;
      case 'top':
      case 'skip':
        into[opt] = this.unsigned();
        return;
    }
  }

  private select(): SelectOption {
    if (this.eat(T_STAR)) return '*';
    const names: string[] = [];
    do {
      this.node();
      names.push(this.ident('a property name'));
    } while (this.eat(T_COMMA));
    return names;
  }

  private orderby(): OrderByItem[] {
    const items: OrderByItem[] = [];
    do {
      this.node();
      const path = [this.ident('a property name')];
      while (this.eat(T_SLASH)) path.push(this.ident('a property name'));
      let direction: 'asc' | 'desc' = 'asc';
      const lx = this.lx;
      if (lx.kind === T_IDENT && (lx.text === 'asc' || lx.text === 'desc')) {
        direction = lx.text;
        lx.next();
      }
      items.push({ path, direction });
    } while (this.eat(T_COMMA));
    return items;
  }

  private unsigned(): number {
    const lx = this.lx;
    if (
      lx.kind !== T_NUMBER ||
      !lx.isInt ||
      lx.src.charCodeAt(lx.start) === 45 ||
      lx.src.charCodeAt(lx.start) === 43 ||
      !Number.isSafeInteger(lx.num)
    ) {
      return lx.fail(`expected a non-negative integer but found ${lx.describe()}`);
    }
    const n = lx.num;
    lx.next();
    return n;
  }

  private expandList(): ExpandItem[] {
    if (++this.expandDepth > this.limits.maxExpandDepth) {
      this.tooComplex(`$expand nesting deeper than ${this.limits.maxExpandDepth}`);
    }
    const items: ExpandItem[] = [];
    do items.push(this.expandItem());
    while (this.eat(T_COMMA));
    this.expandDepth--;
    return items;
  }

  private expandItem(): ExpandItem {
    this.node();
    const navigation = this.ident('a navigation property');
    if (this.eat(T_SLASH)) {
      this.expectCount();
      return { kind: 'expandCount', navigation, filter: this.countFilter() };
    }
    const options = emptyOptions();
    if (this.eat(T_LPAREN) && !this.eat(T_RPAREN)) {
      do {
        const lx = this.lx;
        if (lx.kind !== T_DOLLAR)
          lx.fail(`expected a query option such as '$select' but found ${lx.describe()}`);
        const name = lx.text;
        lx.next();
        this.expect(T_EQUALS, "'='");
        this.option(name, options);
      } while (this.eat(T_SEMI));
      this.expect(T_RPAREN, "')' or ';'");
    }
    return { kind: 'expand', navigation, options };
  }

  /** The optional `($filter=…)` after `/$count`. */
  private countFilter(): Expr | null {
    if (!this.eat(T_LPAREN)) return null;
    const lx = this.lx;
    if (lx.kind !== T_DOLLAR || lx.text !== 'filter')
      lx.fail(`expected '$filter' but found ${lx.describe()}`);
    lx.next();
    this.expect(T_EQUALS, "'='");
    this.enter();
    const filter = this.expr();
    this.leave();
    this.expect(T_RPAREN, "')'");
    return filter;
  }

  private expr(): Expr {
    let left = this.compare();
    let kind: 'and' | 'or' | null = null;
    let args: Expr[] = [];
    for (;;) {
      const lx = this.lx;
      if (lx.kind !== T_IDENT || (lx.text !== 'and' && lx.text !== 'or')) break;
      const op = lx.text;
      lx.next();
      const right = this.compare();
      if (op !== kind) {
        // Equal precedence, left-associative: what we have so far becomes the first operand.
        if (kind !== null) left = this.logical(kind, args);
        kind = op;
        args = [];
        pushFlat(args, left, op);
      }
      pushFlat(args, right, op);
    }
    return kind === null ? left : this.logical(kind, args);
  }

  private logical(kind: 'and' | 'or', args: Expr[]): Expr {
    this.node();
    return { kind, args };
  }

  private compare(): Expr {
    const left = this.unary();
    const lx = this.lx;
    if (lx.kind !== T_IDENT) return left;
    const op = compareOp(lx.text);
    let result: Expr;
    if (op !== null) {
      lx.next();
      this.node();
      result = { kind: 'compare', op, left, right: this.unary() };
    } else if (lx.text === 'in') {
      lx.next();
      result = { kind: 'in', operand: left, values: this.inList() };
      this.node();
    } else {
      return left;
    }
    if (this.lx.kind === T_IDENT && (compareOp(this.lx.text) !== null || this.lx.text === 'in')) {
      this.lx.fail('comparisons cannot be chained; add parentheses');
    }
    return result;
  }

  private inList(): (ParamNode | NullNode)[] {
    this.expect(T_LPAREN, "'(' after 'in'");
    const values: (ParamNode | NullNode)[] = [];
    do {
      if (values.length === this.limits.maxInList)
        this.tooComplex(`'in' list longer than ${this.limits.maxInList}`);
      const v = this.literal();
      if (v === null) this.lx.fail(`expected a literal in the 'in' list but found ${this.lx.describe()}`);
      values.push(v);
    } while (this.eat(T_COMMA));
    this.expect(T_RPAREN, "')' or ','");
    return values;
  }

  private unary(): Expr {
    const lx = this.lx;
    if (lx.kind === T_IDENT && lx.text === 'not') {
      lx.next();
      this.enter();
      const operand = this.unary();
      this.leave();
      this.node();
      return { kind: 'not', operand };
    }
    return this.primary();
  }

  private primary(): Expr {
    const lit = this.literal();
    if (lit !== null) return lit;
    const lx = this.lx;
    if (lx.kind === T_LPAREN) {
      lx.next();
      this.enter();
      const inner = this.expr();
      this.leave();
      this.expect(T_RPAREN, "')'");
      return inner;
    }
    // Binary operators are reserved here, so `eq 1` or `a and or b` say what is wrong.
    if (lx.kind !== T_IDENT || isBinaryOperator(lx.text)) {
      return lx.fail(`expected an expression but found ${lx.describe()}`);
    }
    // A name directly followed by '(' is a function call (OData allows no space there).
    if (lx.src.charCodeAt(lx.end) === 40) return this.call();
    return this.path();
  }

  /** The current token as a literal (consuming it), or `null` if it is not one. */
  private literal(): ParamNode | NullNode | null {
    const lx = this.lx;
    let node: ParamNode | NullNode;
    switch (lx.kind) {
      case T_STRING:
        node = this.param(lx.text, 'string');
        break;
      case T_NUMBER:
        node = this.param(lx.num, 'number');
        break;
      case T_DATETIME:
        node = this.param({ datetime: lx.num }, 'datetime');
        break;
      case T_IDENT:
        if (lx.text === 'null') {
          this.node();
          node = { kind: 'null' };
        } else if (lx.text === 'true' || lx.text === 'false') {
          node = this.param(lx.text === 'true', 'boolean');
        } else {
          return null;
        }
        break;
      default:
        return null;
    }
    lx.next();
    return node;
  }

  private call(): Expr {
    const lx = this.lx;
    const name = lx.text;
    const at = lx.start;
    const arity = FUNCTION_ARITY.get(name);
    if (arity === undefined) lx.fail(`unsupported function '${clip(name)}'`);
    lx.next();
    lx.next(); // the '(' checked by primary()
    this.enter();
    const args: Expr[] = [];
    if (this.lx.kind !== T_RPAREN) {
      do args.push(this.expr());
      while (this.eat(T_COMMA));
    }
    this.expect(T_RPAREN, "')' or ','");
    this.leave();
    if (args.length !== arity) lx.fail(`${name}() takes ${arity} argument(s), not ${args.length}`, at);
    this.node();
    return { kind: 'call', name: name as FunctionName, args };
  }

  /** A property path, possibly ending in `/$count(…)` or a lambda. */
  private path(): Expr {
    const lx = this.lx;
    const first = lx.text;
    lx.next();
    const root = this.scope.includes(first) ? first : null;
    const path: string[] = root === null ? [first] : [];
    while (this.eat(T_SLASH)) {
      if (lx.kind === T_DOLLAR && lx.text === 'count') {
        if (path.length === 0) lx.fail(`'$count' needs a navigation property before it`);
        lx.next();
        const filter = this.countFilter();
        this.node();
        return { kind: 'count', root, path, filter };
      }
      if (
        lx.kind === T_IDENT &&
        (lx.text === 'any' || lx.text === 'all') &&
        lx.src.charCodeAt(lx.end) === 40
      ) {
        if (path.length === 0) lx.fail(`'${lx.text}' needs a navigation property before it`);
        return this.lambda(lx.text, root, path);
      }
      path.push(this.ident("a property name after '/'"));
    }
    // A bare lambda variable parses (as in the reference parser); the compiler refuses it with a 400.
    this.node();
    const node: PropertyNode = { kind: 'property', root, path };
    return node;
  }

  private lambda(op: 'any' | 'all', root: string | null, path: string[]): Expr {
    const lx = this.lx;
    lx.next(); // 'any' / 'all'
    lx.next(); // '('
    const variable = this.ident('a lambda variable');
    this.expect(T_COLON, "':'");
    this.enter();
    this.scope.push(variable);
    const predicate = this.expr();
    this.scope.pop();
    this.leave();
    this.expect(T_RPAREN, "')'");
    this.node();
    return { kind: 'lambda', op, root, path, variable, predicate };
  }

  private param(value: ParamValue, type: ParamType): ParamNode {
    this.node();
    this.values.push(value);
    return { kind: 'param', index: this.values.length - 1, type };
  }

  private expectCount(): void {
    const lx = this.lx;
    if (lx.kind !== T_DOLLAR || lx.text !== 'count') lx.fail(`expected '$count' but found ${lx.describe()}`);
    lx.next();
  }

  private ident(what: string): string {
    const lx = this.lx;
    if (lx.kind !== T_IDENT) return lx.fail(`expected ${what} but found ${lx.describe()}`);
    const text = lx.text;
    lx.next();
    return text;
  }

  private expect(kind: number, what: string): void {
    const lx = this.lx;
    if (lx.kind !== kind) lx.fail(`expected ${what} but found ${lx.describe()}`);
    lx.next();
  }

  private eat(kind: number): boolean {
    if (this.lx.kind !== kind) return false;
    this.lx.next();
    return true;
  }

  private node(): void {
    if (++this.nodes > this.limits.maxNodes) this.tooComplex(`more than ${this.limits.maxNodes} nodes`);
  }

  /** Bounds recursion, so deep nesting (`((((…`) is an error and never a stack overflow. */
  private enter(): void {
    if (++this.depth > this.limits.maxDepth) this.tooComplex(`nesting deeper than ${this.limits.maxDepth}`);
  }

  private leave(): void {
    this.depth--;
  }

  private tooComplex(what: string): never {
    return this.lx.fail(`query too complex: ${what}`);
  }
}

function isBinaryOperator(word: string): boolean {
  return word === 'and' || word === 'or' || word === 'in' || compareOp(word) !== null;
}

/** Appends `e` to an `op` operand list, splicing in its operands when it is itself an `op`. */
function pushFlat(args: Expr[], e: Expr, op: 'and' | 'or'): void {
  if (e.kind === op) args.push(...e.args);
  else args.push(e);
}
