import { AppError } from '../errors/app-error.js';
import type {
  ExpandItem,
  Expr,
  ODataLimits,
  ParamNode,
  ParamValue,
  ParsedRequest,
  QueryOptions,
} from './ast.js';
import { clip } from './lexer.js';
import { emptyOptions, ODataParser } from './parser.js';

export type * from './ast.js';

export const DEFAULT_ODATA_LIMITS: ODataLimits = Object.freeze({
  maxUrlLength: 8192,
  maxDepth: 32,
  maxExpandDepth: 5,
  maxInList: 1000,
  maxNodes: 2000,
});

/**
 * Parses an OData request URL (the part after the `/v7` root, still percent-encoded) into an
 * immutable AST with its literals lifted into `params`.
 *
 * Query options are split on `&` *before* percent-decoding, so an encoded `%26` inside a string
 * literal stays in the literal. In option values a raw `+` outside string literals is a space, as
 * form encoders (URLSearchParams, Python's urlencode, Go's url.Values) send it, and a literal plus
 * inside them: exactly the reference `@balena/odata-parser` (`space = ' ' / '%20' / '+'`, and
 * `QuotedText` decodes with decodeURIComponent, which keeps `+`). `%2B` is a plus everywhere.
 * Unknown parameters without a `$` (`apikey`, `auth_token`, …) are ignored; unknown or duplicate
 * `$` options are errors. Every problem with the input — syntax, encoding, limits — is an
 * `AppError('odata_syntax')` whose message quotes at most a few dozen characters of the input and
 * gives the 0-based position in the *decoded* option value, e.g.
 * `Malformed OData $filter at position 10: expected ')' but found end of input`.
 *
 * Hot path: no regular expressions per character and one pass per option; about 1–2 µs for a
 * typical SDK URL once the code is warm. Results are not cached here (plans are, by `shapeKey`).
 *
 * @example
 * parseODataUrl("/device(uuid='abc')?$select=id").key // { field: 'uuid', value: { kind: 'param', index: 0, type: 'string' } }
 */
export function parseODataUrl(pathAndQuery: string, limits?: Partial<ODataLimits>): ParsedRequest {
  const lim = resolveLimits(limits);
  if (pathAndQuery.length > lim.maxUrlLength) {
    throw new AppError('odata_syntax', `OData URL longer than ${lim.maxUrlLength} characters`);
  }
  try {
    return parse(pathAndQuery, lim);
  } catch (err) {
    // The depth limit prevents deep recursion with sane limits; this guards absurd caller-supplied ones.
    if (err instanceof RangeError) throw new AppError('odata_syntax', 'OData query nested too deeply');
    throw err;
  }
}

function resolveLimits(limits: Partial<ODataLimits> | undefined): ODataLimits {
  if (limits === undefined) return DEFAULT_ODATA_LIMITS;
  const d = DEFAULT_ODATA_LIMITS;
  return {
    maxUrlLength: limits.maxUrlLength ?? d.maxUrlLength,
    maxDepth: limits.maxDepth ?? d.maxDepth,
    maxExpandDepth: limits.maxExpandDepth ?? d.maxExpandDepth,
    maxInList: limits.maxInList ?? d.maxInList,
    maxNodes: limits.maxNodes ?? d.maxNodes,
  };
}

function parse(url: string, limits: ODataLimits): ParsedRequest {
  const parser = new ODataParser(limits);
  const q = url.indexOf('?');
  const target = parser.parseResourcePath(decode(q === -1 ? url : url.slice(0, q), 'resource path'));
  const options = emptyOptions();
  if (q !== -1) {
    const n = url.length;
    let i = q + 1;
    while (i < n) {
      let amp = url.indexOf('&', i);
      if (amp === -1) amp = n;
      if (amp > i) queryPart(url.slice(i, amp), parser, options);
      i = amp + 1;
    }
  }
  const canon = new Canonicalizer(parser.values);
  let shapeKey = target.resource;
  if (target.key !== null) shapeKey += `(${target.key.field ?? ''}=${canon.param(target.key.value)})`;
  if (target.count) shapeKey += '/$count';
  shapeKey += canon.options(options);
  return {
    resource: target.resource,
    key: target.key,
    count: target.count,
    options,
    params: canon.params,
    shapeKey,
  };
}

/** One `name=value` piece of the query string, still percent-encoded. */
function queryPart(part: string, parser: ODataParser, options: ReturnType<typeof emptyOptions>): void {
  // Parameters that are not `$` options (`apikey=…`, cache busters) are none of the parser's
  // business: skip them without even decoding, so their content can never cause an error.
  const c = part.charCodeAt(0);
  if (c !== 36 && !(c === 37 && part.slice(1, 3).toLowerCase() === '24')) return;
  const eq = part.indexOf('=');
  const name = decode(eq === -1 ? part : part.slice(0, eq), 'query option name');
  if (eq === -1) throw new AppError('odata_syntax', `Malformed OData query: '${clip(name)}' has no value`);
  parser.parseTopOption(name.slice(1), decode(plusAsSpace(part.slice(eq + 1)), name), options);
}

/**
 * A still-encoded option value with every `+` outside string literals turned into a space. Literals
 * are delimited as the reference grammar delimits them before decoding: by `'` or `%27` (`''` is an
 * escaped quote, which toggling in and out again handles). Only values containing `+` are copied.
 */
export function plusAsSpace(raw: string): string {
  if (raw.indexOf('+') === -1) return raw;
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 39 || (c === 37 && raw.charCodeAt(i + 1) === 50 && raw.charCodeAt(i + 2) === 55)) {
      inString = !inString;
    } else if (c === 43 && !inString) {
      out += `${raw.slice(from, i)} `;
      from = i + 1;
    }
  }
  return out + raw.slice(from);
}

function decode(raw: string, label: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError('odata_syntax', `Malformed OData ${clip(label)}: invalid percent-encoding`);
  }
}

const TYPE_LETTER = { string: 's', number: 'n', boolean: 'b', datetime: 'd' } as const;

/**
 * Renders the shape key and, in the same walk, renumbers the parameters in shape order. Parameters
 * are created in URL order while parsing, but the shape key lists options in a fixed order; renumbering
 * here is what guarantees that equal shape keys mean equal parameter positions, whatever the
 * option order in the URL.
 */
class Canonicalizer {
  readonly params: ParamValue[] = [];

  constructor(private readonly raw: readonly ParamValue[]) {}

  param(p: ParamNode): string {
    // The node was created by this parse and is not visible to anyone yet: numbering it is the
    // last step of its construction, not a mutation of a published AST.
    const value = this.raw[p.index] as ParamValue;
    (p as { index: number }).index = this.params.push(value) - 1;
    return `?${TYPE_LETTER[p.type]}`;
  }

  options(o: QueryOptions): string {
    let s = '{';
    if (o.select !== null) s += `s:${o.select === '*' ? '*' : o.select.join(',')};`;
    if (o.filter !== null) s += `f:${this.expr(o.filter)};`;
    if (o.expand !== null) s += `e:${this.expand(o.expand)};`;
    if (o.orderby !== null) {
      s += `o:${o.orderby.map((i) => `${i.path.join('/')}${i.direction === 'asc' ? '+' : '-'}`).join(',')};`;
    }
    if (o.top !== null) s += `t:${o.top};`;
    if (o.skip !== null) s += `k:${o.skip};`;
    return `${s}}`;
  }

  private expand(items: readonly ExpandItem[]): string {
    let s = '';
    for (const item of items) {
      if (s !== '') s += ',';
      s +=
        item.kind === 'expand'
          ? `${item.navigation}${this.options(item.options)}`
          : `${item.navigation}/$count(${item.filter === null ? '' : this.expr(item.filter)})`;
    }
    return s;
  }

  /** Property names are `[A-Za-z_][A-Za-z0-9_]*`, so the punctuation below cannot be ambiguous. */
  private expr(e: Expr): string {
    switch (e.kind) {
      case 'param':
        return this.param(e);
      case 'null':
        return 'null';
      case 'property':
        return path(e.root, e.path);
      case 'count':
        return `#${path(e.root, e.path)}(${e.filter === null ? '' : this.expr(e.filter)})`;
      case 'lambda':
        return `${e.op}(${path(e.root, e.path)},${e.variable}:${this.expr(e.predicate)})`;
      case 'call':
        return `${e.name}(${this.list(e.args)})`;
      case 'compare':
        return `${e.op}(${this.expr(e.left)},${this.expr(e.right)})`;
      case 'in':
        return `in(${this.expr(e.operand)};${this.list(e.values)})`;
      case 'not':
        return `not(${this.expr(e.operand)})`;
      case 'and':
      case 'or':
        return `${e.kind}(${this.list(e.args)})`;
    }
  }

  private list(items: readonly Expr[]): string {
    let s = '';
    for (let i = 0; i < items.length; i++) s += (i === 0 ? '' : ',') + this.expr(items[i] as Expr);
    return s;
  }
}

function path(root: string | null, segments: readonly string[]): string {
  return `@${root === null ? '' : `${root}:`}${segments.join('/')}`;
}
