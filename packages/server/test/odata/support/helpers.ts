import { expect } from 'vitest';
import { AppError } from '../../../src/errors/app-error.js';
import type {
  Expr,
  NullNode,
  ODataLimits,
  ParamNode,
  ParamType,
  ParamValue,
  ParsedRequest,
  PropertyNode,
} from '../../../src/odata/ast.js';
import { parseODataUrl } from '../../../src/odata/parse-url.js';

/** Parses a URL written as the SDK sends it; a leading `/v7` root is stripped, as the router will. */
export function parse(url: string, limits?: Partial<ODataLimits>): ParsedRequest {
  return parseODataUrl(url.startsWith('/v7/') ? url.slice(3) : url, limits);
}

/** Percent-encodes spaces and quotes the way the SDK's URL layer does. */
export function enc(text: string): string {
  return text.replaceAll(' ', '%20').replaceAll("'", '%27');
}

/** Parses `$filter=<text>` (spaces and quotes encoded for you) and returns the tree and values. */
export function filter(text: string): { readonly tree: Expr; readonly params: readonly ParamValue[] } {
  const req = parse(`/device?$filter=${enc(text)}`);
  if (req.options.filter === null) throw new Error('no filter');
  return { tree: req.options.filter, params: req.params };
}

/** Asserts `fn` throws `AppError('odata_syntax')` and returns its message. */
export function syntaxError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('odata_syntax');
    return (err as AppError).message;
  }
  throw new Error('expected an odata_syntax error, but parsing succeeded');
}

export function prop(...path: string[]): PropertyNode {
  return { kind: 'property', root: null, path };
}

export function varProp(root: string, ...path: string[]): PropertyNode {
  return { kind: 'property', root, path };
}

export function param(index: number, type: ParamType): ParamNode {
  return { kind: 'param', index, type };
}

export const NULL: NullNode = { kind: 'null' };
