/**
 * The immutable AST produced by `parseODataUrl` (see parse-url.ts) and consumed by the OData → SQL
 * compiler. Every field is `readonly`; nodes are plain objects so they can be logged and compared.
 *
 * Literals never appear inline: each string / number / boolean / datetime literal of `$filter`, of a
 * key or of an `in` list is a {@link ParamNode} pointing into {@link ParsedRequest.params}. Together
 * with {@link ParsedRequest.shapeKey} this lets the compiler cache one SQL plan per query *shape* and
 * bind the literal values as SQL parameters (never string-interpolated).
 *
 * @example
 * parseODataUrl("/device?$filter=uuid%20eq%20'abc'&$select=id")
 * // → { resource: 'device', key: null, count: false,
 * //     options: { select: ['id'],
 * //                filter: { kind: 'compare', op: 'eq',
 * //                          left: { kind: 'property', root: null, path: ['uuid'] },
 * //                          right: { kind: 'param', index: 0, type: 'string' } },
 * //                expand: null, orderby: null, top: null, skip: null },
 * //     params: ['abc'], shapeKey: '…' }
 */

import type { ParamValue } from '../db/sql/slots.js';

/** A literal value bound as a SQL parameter (defined beside the slots that bind it). */
export type { ParamValue };

/** The type of a literal, known from its syntax (`'x'`, `1.5`, `true`, `datetime'…'`). */
export type ParamType = 'string' | 'number' | 'boolean' | 'datetime';

/** A lifted literal: the value is `params[index]`; `type` saves the compiler a `typeof`. */
export interface ParamNode {
  readonly kind: 'param';
  readonly index: number;
  readonly type: ParamType;
}

/** `null` is a node, not a parameter: `x eq null` compiles to `IS NULL`, a different SQL shape. */
export interface NullNode {
  readonly kind: 'null';
}

/**
 * A property path such as `a/b/c`. `root` is the lambda variable the path starts from
 * (`x/name` inside `any(x: …)` → `root: 'x', path: ['name']`), or `null` for the resource being
 * queried. `path` is never empty.
 */
export interface PropertyNode {
  readonly kind: 'property';
  readonly root: string | null;
  readonly path: readonly string[];
}

/** `nav/$count` or `nav/$count($filter=…)` used as a number inside `$filter`. */
export interface CountNode {
  readonly kind: 'count';
  readonly root: string | null;
  readonly path: readonly string[];
  readonly filter: Expr | null;
}

/**
 * `path/any(variable: predicate)` / `path/all(…)`. `root`/`path` name the navigation (as in
 * {@link PropertyNode}); inside `predicate`, properties with `root === variable` refer to it.
 * Inner lambdas may shadow an outer variable of the same name.
 */
export interface LambdaNode {
  readonly kind: 'lambda';
  readonly op: 'any' | 'all';
  readonly root: string | null;
  readonly path: readonly string[];
  readonly variable: string;
  readonly predicate: Expr;
}

/** The functions this subset accepts, with their arity in parser.ts. */
export type FunctionName =
  | 'startswith'
  | 'endswith'
  | 'contains'
  | 'substringof'
  | 'tolower'
  | 'toupper'
  | 'length';

export interface CallNode {
  readonly kind: 'call';
  readonly name: FunctionName;
  readonly args: readonly Expr[];
}

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** Comparisons never chain: `a eq b eq c` is a syntax error (write parentheses). */
export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly left: Expr;
  readonly right: Expr;
}

/** `operand in (v1, v2, …)`: the list holds literals only (at least one). */
export interface InNode {
  readonly kind: 'in';
  readonly operand: Expr;
  readonly values: readonly (ParamNode | NullNode)[];
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: Expr;
}

/**
 * `and` / `or` with two or more operands. Runs of the same operator are flattened (`a and (b and c)`
 * has three args), so no arg has the same `kind` as its parent.
 *
 * Precedence follows the reference parser used by the balena API (pinejs, `@balena/odata-parser`),
 * not OData v4: `and` and `or` bind equally and associate left, so `a or b and c` means
 * `(a or b) and c`. That keeps results identical to balena's for the same URL; the SDK always
 * parenthesises mixed chains, so it never notices.
 */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly args: readonly Expr[];
}

/**
 * Any `$filter` expression. The grammar does not type-check: a bare property (`$filter=is_online`)
 * or a literal is a valid predicate, and comparison operands may be boolean expressions. Rejecting
 * ill-typed trees is the compiler's job, which knows the schema.
 */
export type Expr =
  | ParamNode
  | NullNode
  | PropertyNode
  | CountNode
  | LambdaNode
  | CallNode
  | CompareNode
  | InNode
  | NotNode
  | LogicalNode;

/** `$select=*` or a list of property names (no paths). */
export type SelectOption = '*' | readonly string[];

/** One `$orderby` term; the direction defaults to `asc` (OData spec) when omitted. */
export interface OrderByItem {
  readonly path: readonly string[];
  readonly direction: 'asc' | 'desc';
}

/** `$expand=nav` or `nav(<options>)`; the options apply to the expanded rows. */
export interface ExpandNavigation {
  readonly kind: 'expand';
  readonly navigation: string;
  readonly options: QueryOptions;
}

/** `$expand=nav/$count` or `nav/$count($filter=…)`: an integer field on each row. */
export interface ExpandCount {
  readonly kind: 'expandCount';
  readonly navigation: string;
  readonly filter: Expr | null;
}

export type ExpandItem = ExpandNavigation | ExpandCount;

/** The query options of the request or of one `$expand` item; `null` when absent. */
export interface QueryOptions {
  readonly select: SelectOption | null;
  readonly filter: Expr | null;
  readonly expand: readonly ExpandItem[] | null;
  readonly orderby: readonly OrderByItem[] | null;
  /** Plain numbers, not parameters: paging is part of the plan's shape. */
  readonly top: number | null;
  readonly skip: number | null;
}

/** `(5)` → `{ field: null }`; `(uuid='…')` / `(id=1)` → the named (alternate) key. */
export interface ResourceKey {
  readonly field: string | null;
  readonly value: ParamNode;
}

export interface ParsedRequest {
  readonly resource: string;
  readonly key: ResourceKey | null;
  /** The path ended in `/$count`: answer `{ d: <number> }`. */
  readonly count: boolean;
  readonly options: QueryOptions;
  /**
   * The lifted literals, numbered in the canonical order of `shapeKey` (not URL order), so two
   * requests with the same `shapeKey` have their literals at the same indices.
   */
  readonly params: readonly ParamValue[];
  /**
   * A canonical rendering of the whole request with each literal replaced by `?` plus a type letter
   * (`?s` string, `?n` number, `?b` boolean, `?d` datetime); `null` and the length of `in` lists
   * stay, query option order and redundant whitespace/parentheses do not. Requests that differ
   * only in literal values share it: it is the cache key for compiled SQL plans. The type letter is
   * kept because a plan may depend on it (e.g. a datetime needs a conversion a string does not).
   */
  readonly shapeKey: string;
}

/** Caps on attacker-controlled size; exceeding one is an `odata_syntax` error. */
export interface ODataLimits {
  /** Characters of the raw (percent-encoded) path and query. */
  readonly maxUrlLength: number;
  /** Nesting of parentheses, `not`, function calls and lambdas inside one expression. */
  readonly maxDepth: number;
  /** Nesting of `$expand` inside `$expand`. */
  readonly maxExpandDepth: number;
  /** Values in one `in (…)` list. */
  readonly maxInList: number;
  /** AST nodes in the whole request (expressions, list items, expand items, …). */
  readonly maxNodes: number;
}
