/**
 * Runs the reference parser (`@balena/odata-parser`, the parser pinejs uses behind the balena API)
 * and converts its tree into the canonical form of canonical.ts. Its tree format is described in
 * /work/shared/COMPAT.md "(c)": prefix arrays for operators, `{ name, property }` chains for paths,
 * `{ bind: i }` references into a `binds` array of `[type, value]` pairs.
 *
 * Anything the conversion does not know throws: the generator must only produce URLs inside our
 * subset, so an unknown construct means the generator (or this file) is wrong.
 */
import odataParser from '@balena/odata-parser';
import { type CExpand, type CExpr, type COptions, type CRequest, type CValue, logical } from './canonical.js';

type Rec = Readonly<Record<string, unknown>>;

function isRec(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function rec(x: unknown, what: string): Rec {
  if (!isRec(x)) throw new Error(`reference: expected an object for ${what}, got ${JSON.stringify(x)}`);
  return x;
}

function str(x: unknown, what: string): string {
  if (typeof x !== 'string')
    throw new Error(`reference: expected a string for ${what}, got ${JSON.stringify(x)}`);
  return x;
}

function arr(x: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(x))
    throw new Error(`reference: expected an array for ${what}, got ${JSON.stringify(x)}`);
  return x;
}

const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const PATH_KEYS = new Set(['name', 'property', 'lambda', 'count', 'options']);

class Converter {
  constructor(private readonly binds: readonly unknown[]) {}

  /** The `[type, value]` pair a `{ bind: i }` points at. */
  private bind(ref: unknown): readonly unknown[] {
    const index = rec(ref, 'bind reference').bind;
    if (typeof index !== 'number') throw new Error(`reference: unsupported bind ${JSON.stringify(ref)}`);
    return arr(this.binds[index], `bind ${index}`);
  }

  value(ref: unknown): CValue {
    return this.scalar(this.bind(ref));
  }

  /** The reference types numbers as `Real` (filters, keys) or `Integer` ($top/$skip): both are numbers. */
  private scalar(pair: readonly unknown[]): CValue {
    const [type, v] = pair;
    switch (type) {
      case 'Real':
      case 'Integer':
        if (typeof v === 'number') return v;
        break;
      case 'Text':
        if (typeof v === 'string') return v;
        break;
      case 'Boolean':
        if (typeof v === 'boolean') return v;
        break;
      case 'Date Time':
        if (typeof v === 'number') return { datetime: v };
        if (v instanceof Date) return { datetime: v.getTime() };
        break;
    }
    throw new Error(`reference: unsupported bind ${JSON.stringify(pair)}`);
  }

  expr(node: unknown, scope: readonly string[]): CExpr {
    if (node === null) return ['null'];
    if (Array.isArray(node)) return this.operator(node, scope);
    const r = rec(node, 'filter node');
    if ('bind' in r) return ['val', this.value(r)];
    return this.path(r, scope);
  }

  private operator(node: readonly unknown[], scope: readonly string[]): CExpr {
    const op = str(node[0], 'operator');
    if (COMPARE.has(op)) {
      // The reference turns `a eq b eq c` into ['eq', a, b, c]; we reject chained comparisons.
      if (node.length !== 3) throw new Error(`reference: chained comparison ${JSON.stringify(node)}`);
      return ['cmp', op, this.expr(node[1], scope), this.expr(node[2], scope)];
    }
    switch (op) {
      case 'and':
      case 'or':
        return logical(
          op,
          node.slice(1).map((n) => this.expr(n, scope)),
        );
      case 'not':
        return ['not', this.expr(node[1], scope)];
      case 'eqany': {
        // `x in (…)` binds the whole list as one ['List', [[type, value] | ['Null'], …]].
        const [type, items] = this.bind(node[2]);
        if (type !== 'List') throw new Error(`reference: unexpected in-list bind ${String(type)}`);
        const values = arr(items, 'in list').map((item): CExpr => {
          const pair = arr(item, 'in item');
          return pair[0] === 'Null' ? ['null'] : ['val', this.scalar(pair)];
        });
        return ['in', this.expr(node[1], scope), values];
      }
      case 'call': {
        const call = rec(node[1], 'call');
        const args = arr(call.args, 'call args').map((a) => this.expr(a, scope));
        return ['call', str(call.method, 'method'), args];
      }
      default:
        throw new Error(`reference: unsupported operator ${op}`);
    }
  }

  /**
   * `{ name, property: { name, … } }` chains. The reference does not know lambda variables: a chain
   * whose first name is a variable in scope is, as in our parser, rooted at that variable.
   */
  private path(first: Rec, scope: readonly string[]): CExpr {
    const names: string[] = [];
    let node = first;
    for (;;) {
      for (const k of Object.keys(node))
        if (!PATH_KEYS.has(k)) throw new Error(`reference: unsupported path key ${k}`);
      names.push(str(node.name, 'path name'));
      const rootIsVar = scope.includes(names[0] as string);
      const root = rootIsVar ? (names[0] as string) : null;
      const path = rootIsVar ? names.slice(1) : names;
      if (node.lambda !== undefined) {
        const l = rec(node.lambda, 'lambda');
        const variable = str(l.identifier, 'lambda identifier');
        const predicate = this.expr(l.expression, [...scope, variable]);
        return ['lambda', str(l.method, 'lambda method'), root, path, variable, predicate];
      }
      if (node.count === true) {
        const filter = node.options === undefined ? null : rec(node.options, 'count options').$filter;
        return [
          'count',
          root,
          path,
          filter === undefined || filter === null ? null : this.expr(filter, scope),
        ];
      }
      if (node.property === undefined) return ['prop', root, path];
      node = rec(node.property, 'path property');
    }
  }

  options(raw: unknown): COptions {
    const o = rec(raw, 'options');
    const c: COptions = {};
    for (const [key, v] of Object.entries(o)) {
      switch (key) {
        case '$select':
          c.select = v === '*' ? '*' : this.names(v);
          break;
        case '$filter':
          c.filter = this.expr(v, []);
          break;
        case '$expand':
          c.expand = arr(rec(v, '$expand').properties, '$expand properties').map((p) => this.expand(p));
          break;
        case '$orderby':
          c.orderby = arr(rec(v, '$orderby').properties, '$orderby properties').map((p) => {
            const r = rec(p, 'orderby item');
            return [this.chain(r), str(r.order, 'order')] as const;
          });
          break;
        case '$top':
        case '$skip': {
          const n = this.value(v);
          if (typeof n !== 'number') throw new Error(`reference: non-numeric ${key}`);
          c[key === '$top' ? 'top' : 'skip'] = n;
          break;
        }
        default:
          // Plain parameters (`apikey=…`) are kept by the reference as strings; we ignore them.
          if (key.startsWith('$') || key.startsWith('@'))
            throw new Error(`reference: unsupported option ${key}`);
      }
    }
    return c;
  }

  private names(v: unknown): string[] {
    return arr(rec(v, '$select').properties, '$select properties').map((p) => {
      const r = rec(p, 'select item');
      if (r.property !== undefined) throw new Error('reference: path in $select');
      return str(r.name, 'select name');
    });
  }

  /** A plain `a/b/c` chain (orderby). */
  private chain(r: Rec): string[] {
    const out: string[] = [];
    let node: Rec | undefined = r;
    while (node !== undefined) {
      if (node.count !== undefined || node.key !== undefined)
        throw new Error('reference: unsupported orderby path');
      out.push(str(node.name, 'orderby name'));
      node = node.property === undefined ? undefined : rec(node.property, 'orderby property');
    }
    return out;
  }

  private expand(p: unknown): CExpand {
    const r = rec(p, 'expand item');
    if (r.property !== undefined) throw new Error('reference: path in $expand');
    const nav = str(r.name, 'expand name');
    if (r.count === true) {
      const opts = r.options === undefined ? {} : rec(r.options, 'count options');
      const extra = Object.keys(opts).filter((k) => k !== '$filter');
      if (extra.length > 0) throw new Error(`reference: unsupported count-expand options ${extra.join(',')}`);
      return { nav, count: true, filter: opts.$filter === undefined ? null : this.expr(opts.$filter, []) };
    }
    return { nav, options: r.options === undefined ? {} : this.options(r.options) };
  }
}

/** Whether the reference parser accepts the URL at all (whatever its tree). */
export function referenceAccepts(pathAfterRoot: string): boolean {
  try {
    odataParser.parse(pathAfterRoot);
    return true;
  } catch {
    return false;
  }
}

/** Parses with the reference; throws whatever it throws (a peggy SyntaxError, URIError, …). */
export function referenceCanonical(pathAfterRoot: string): CRequest {
  const { tree, binds } = odataParser.parse(pathAfterRoot);
  const t = rec(tree, 'tree');
  for (const k of Object.keys(t)) {
    if (!['resource', 'key', 'count', 'options'].includes(k))
      throw new Error(`reference: unsupported tree key ${k}`);
  }
  const conv = new Converter(binds);
  let key: CRequest['key'] = null;
  if (t.key !== undefined) {
    const k = rec(t.key, 'key');
    if ('bind' in k) key = { field: null, value: conv.value(k) };
    else {
      const fields = Object.keys(k);
      if (fields.length !== 1) throw new Error('reference: composite key');
      const field = fields[0] as string;
      key = { field, value: conv.value(k[field]) };
    }
  }
  return {
    resource: str(t.resource, 'resource'),
    key,
    count: t.count === true,
    options: t.options === undefined ? {} : conv.options(t.options),
  };
}
