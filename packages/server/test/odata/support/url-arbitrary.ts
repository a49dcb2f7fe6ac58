/**
 * fast-check generators of OData request URLs inside our subset, encoded the way balena-sdk sends
 * them (string contents through encodeURIComponent, then spaces and quotes percent-encoded by the
 * URL layer). A URL is generated as a small model and then rendered.
 *
 * Deliberately NOT generated, although the reference parser accepts them (each is outside our
 * subset or a reference quirk; see the "deliberate differences" test in differential.test.ts):
 * - `$orderby` terms without a direction: the reference defaults to `desc`, OData and we to `asc`.
 * - a space right after the lambda `:` (`any(x: …)`): the reference rejects it, we accept it.
 * - names starting with `true`/`false`/`null`: the reference's PEG commits to the keyword and fails.
 * - `(a eq b) eq c` (see isSameOpGroup) and chained comparisons (`a eq b eq c`), arithmetic (`add`, `sub`, …), functions other than ours,
 *   parameter aliases (`@a`), `date'…'`, `duration'…'`, `$format`/`$count`/`$inlinecount`,
 *   `&` as the `$expand` option separator, paths in `$select`/`$expand`, keys inside paths,
 *   composite or string-without-name keys, `/resource(key)/$count`, navigation sub-paths.
 * - `+` as a space, and percent-encoded punctuation (`%28` for `(`): we decode the whole option
 *   before parsing, the reference only decodes inside literals and names.
 */
import fc from 'fast-check';

export type Path = { readonly segs: readonly string[]; readonly varPick: number | null };
export type Lit =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num' | 'dt'; readonly text: string }
  | { readonly t: 'bool'; readonly v: boolean };
export type Operand =
  | { readonly o: 'lit'; readonly lit: Lit }
  | { readonly o: 'null' }
  | { readonly o: 'path'; readonly p: Path }
  | { readonly o: 'fn1'; readonly name: string; readonly pad: string; readonly arg: Operand }
  | { readonly o: 'count'; readonly p: Path; readonly filter: Pred | null }
  | { readonly o: 'group'; readonly x: Pred };
export type Pred =
  | { readonly k: 'cmp'; readonly op: string; readonly ws: string; readonly l: Operand; readonly r: Operand }
  | { readonly k: 'in'; readonly l: Operand; readonly pad: string; readonly vals: readonly (Lit | null)[] }
  | { readonly k: 'bool'; readonly p: Path }
  | {
      readonly k: 'fn2';
      readonly name: string;
      readonly pad: string;
      readonly a: Operand;
      readonly b: Operand;
    }
  | { readonly k: 'not'; readonly paren: boolean; readonly x: Pred }
  | { readonly k: 'group'; readonly pad: string; readonly x: Pred }
  | {
      readonly k: 'chain';
      readonly first: Pred;
      readonly rest: readonly { readonly op: 'and' | 'or'; readonly ws: string; readonly x: Pred }[];
    }
  | {
      readonly k: 'lambda';
      readonly nav: Path;
      readonly op: 'any' | 'all';
      readonly v: string;
      readonly x: Pred;
    };

const PROPERTIES = [
  'id',
  'device_name',
  'uuid',
  'is_online',
  'belongs_to__application',
  'owns__device',
  'api_heartbeat_state',
  'created_at',
  'name',
  'value',
  'slug',
  'is_of__actor',
  'device_type_alias',
  'is_referenced_by__alias',
  'organization',
  '_x',
  'A1',
];
const VARIABLES = ['x', 'y', 'd', 'dau', 'bta', 'dta', 'v1'];
const RESOURCES = ['device', 'application', 'organization', 'api_key', 'device_type', 'device_tag'];

/** Words with a meaning in some position, for either parser; never generated as names. */
const RESERVED = new Set(
  'eq ne gt ge lt le and or not in null true false asc desc any all datetime date duration add sub mul div mod cast ceiling concat contains day endswith floor fractionalseconds hour indexof isof length maxdatetime mindatetime minute month now replace round second startswith substringof substring time tolower totaloffsetminutes totalseconds toupper trim year'.split(
    ' ',
  ),
);

const randomName = fc
  .stringMatching(/^[a-z_][a-z0-9_]{0,9}$/)
  .filter((s) => !RESERVED.has(s) && !/^(true|false|null)/.test(s));

export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROPERTIES) },
  randomName,
);
const varArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...VARIABLES) }, randomName);
const ws = fc.constantFrom(' ', ' ', ' ', '  ');
const pad = fc.constantFrom('', '', ' ');

/** Characters that stress encoding and escaping, mixed with arbitrary (well-formed) Unicode. */
const SPECIALS = [
  "'",
  "''",
  '&',
  '/',
  '+',
  '#',
  '%',
  ';',
  '(',
  ')',
  ',',
  '$',
  ' ',
  '=',
  '?',
  ':',
  '@',
  '"',
  '\\',
];
export const textArb: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...SPECIALS, '%20', '%27', 'é', '漢', '😀'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

const numberText = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map(String),
  fc
    .tuple(fc.boolean(), fc.nat({ max: 99_999 }), fc.stringMatching(/^[0-9]{1,4}$/))
    .map(([neg, i, f]) => `${neg ? '-' : ''}${i}.${f}`),
  fc.constantFrom('0', '-0', '007', '0.50', '9007199254740993', '12345678901234567890'),
);

const dateText = fc
  .tuple(fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }), fc.boolean())
  .map(([d, full]) => (full ? d.toISOString() : d.toISOString().slice(0, 10)));

export const litArb: fc.Arbitrary<Lit> = fc.oneof(
  textArb.map((v): Lit => ({ t: 'str', v })),
  numberText.map((text): Lit => ({ t: 'num', text })),
  fc.boolean().map((v): Lit => ({ t: 'bool', v })),
  dateText.map((text): Lit => ({ t: 'dt', text })),
);

const pathArb: fc.Arbitrary<Path> = fc.record({
  segs: fc.array(nameArb, { minLength: 1, maxLength: 3 }),
  varPick: fc.option(fc.nat({ max: 5 }), { freq: 2 }),
});

/**
 * `(a eq b) eq c`: the reference appends `c` to the parenthesised comparison, giving the ambiguous
 * ['eq', a, b, c] (it flattens any repeated operator, which is only right for and/or). Not generated.
 */
function isSameOpGroup(l: Operand, op: string): boolean {
  if (l.o !== 'group') return false;
  let x = l.x;
  while (x.k === 'group') x = x.x;
  return x.k === 'cmp' && x.op === op;
}

const depth = { depthSize: 'small', maxDepth: 4, depthIdentifier: 'odata-filter' } as const;

export const predArb: fc.Arbitrary<Pred> = fc.letrec<{ pred: Pred; operand: Operand }>((tie) => {
  const operand = tie('operand');
  const pred = tie('pred');
  return {
    pred: fc.oneof(
      depth,
      fc
        .record({
          k: fc.constant('cmp'),
          op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'),
          ws,
          l: operand,
          r: operand,
        })
        .filter((c) => !isSameOpGroup(c.l, c.op)),
      fc.record({ k: fc.constant('bool'), p: pathArb }),
      fc.record({
        k: fc.constant('in'),
        l: operand,
        pad,
        vals: fc.array(fc.option(litArb, { freq: 5 }), { minLength: 1, maxLength: 5 }),
      }),
      fc.record({
        k: fc.constant('fn2'),
        name: fc.constantFrom('startswith', 'endswith', 'contains', 'substringof'),
        pad,
        a: operand,
        b: operand,
      }),
      fc.record({ k: fc.constant('not'), paren: fc.boolean(), x: pred }),
      fc.record({ k: fc.constant('group'), pad, x: pred }),
      fc.record({
        k: fc.constant('chain'),
        first: pred,
        rest: fc.array(fc.record({ op: fc.constantFrom('and', 'or'), ws, x: pred }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      fc.record({
        k: fc.constant('lambda'),
        nav: pathArb,
        op: fc.constantFrom('any', 'all'),
        v: varArb,
        x: pred,
      }),
    ),
    operand: fc.oneof(
      depth,
      fc.record({ o: fc.constant('lit'), lit: litArb }),
      fc.record({ o: fc.constant('null') }),
      fc.record({ o: fc.constant('path'), p: pathArb }),
      fc.record({
        o: fc.constant('fn1'),
        name: fc.constantFrom('tolower', 'toupper', 'length'),
        pad,
        arg: operand,
      }),
      fc.record({ o: fc.constant('count'), p: pathArb, filter: fc.option(pred, { freq: 2 }) }),
      fc.record({ o: fc.constant('group'), x: pred }),
    ),
  };
}).pred;

/** A string literal as pinejs-client writes it: quotes doubled, content encodeURIComponent-ed. */
export function renderString(v: string): string {
  return `'${encodeURIComponent(v.replaceAll("'", "''"))}'`;
}

export function renderLit(l: Lit | null): string {
  if (l === null) return 'null';
  switch (l.t) {
    case 'str':
      return renderString(l.v);
    case 'num':
      return l.text;
    case 'bool':
      return String(l.v);
    case 'dt':
      return `datetime'${l.text}'`;
  }
}

function renderPath(p: Path, scope: readonly string[]): string {
  const root = p.varPick !== null && scope.length > 0 ? `${scope[p.varPick % scope.length]}/` : '';
  return root + p.segs.join('/');
}

function renderOperand(o: Operand, scope: readonly string[]): string {
  switch (o.o) {
    case 'lit':
      return renderLit(o.lit);
    case 'null':
      return 'null';
    case 'path':
      return renderPath(o.p, scope);
    case 'fn1':
      return `${o.name}(${o.pad}${renderOperand(o.arg, scope)}${o.pad})`;
    case 'count':
      return `${renderPath(o.p, scope)}/$count${o.filter === null ? '' : `($filter=${renderPred(o.filter, scope)})`}`;
    case 'group':
      return `(${renderPred(o.x, scope)})`;
  }
}

export function renderPred(p: Pred, scope: readonly string[]): string {
  switch (p.k) {
    case 'cmp':
      return `${renderOperand(p.l, scope)}${p.ws}${p.op}${p.ws}${renderOperand(p.r, scope)}`;
    case 'bool':
      return renderPath(p.p, scope);
    case 'in':
      return `${renderOperand(p.l, scope)} in (${p.pad}${p.vals.map(renderLit).join(`,${p.pad}`)}${p.pad})`;
    case 'fn2':
      return `${p.name}(${p.pad}${renderOperand(p.a, scope)},${p.pad}${renderOperand(p.b, scope)}${p.pad})`;
    case 'not': {
      if (p.paren) return `not(${renderPred(p.x, scope)})`;
      // Without parentheses `not` takes one primary: wrap anything with a binary operator.
      const inner = renderPred(p.x, scope);
      return p.x.k === 'cmp' || p.x.k === 'in' || p.x.k === 'chain' ? `not (${inner})` : `not ${inner}`;
    }
    case 'group':
      return `(${p.pad}${renderPred(p.x, scope)}${p.pad})`;
    case 'chain': {
      // A chain inside a chain needs parentheses, or it would just be a longer chain.
      const member = (x: Pred): string =>
        x.k === 'chain' ? `(${renderPred(x, scope)})` : renderPred(x, scope);
      return member(p.first) + p.rest.map((r) => `${r.ws}${r.op}${r.ws}${member(r.x)}`).join('');
    }
    case 'lambda':
      return `${renderPath(p.nav, scope)}/${p.op}(${p.v}:${renderPred(p.x, [...scope, p.v])})`;
  }
}

export const filterArb: fc.Arbitrary<string> = predArb.map((p) => renderPred(p, []));

const selectArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 4, arbitrary: fc.array(nameArb, { minLength: 1, maxLength: 4 }).map((a) => a.join(',')) },
);
const orderbyArb = fc
  .array(fc.tuple(fc.array(nameArb, { minLength: 1, maxLength: 2 }), ws, fc.constantFrom('asc', 'desc')), {
    minLength: 1,
    maxLength: 3,
  })
  .map((items) => items.map(([p, w, d]) => `${p.join('/')}${w}${d}`).join(','));
const countArb = fc.nat({ max: 1_000_000 }).map(String);

/** `$name=value` options in random order; `$expand` nests up to `maxNest` more levels. */
function optionsArb(maxNest: number, minLength: number): fc.Arbitrary<string[]> {
  const kinds: fc.Arbitrary<string>[] = [
    selectArb.map((v) => `$select=${v}`),
    filterArb.map((v) => `$filter=${v}`),
    orderbyArb.map((v) => `$orderby=${v}`),
    countArb.map((v) => `$top=${v}`),
    countArb.map((v) => `$skip=${v}`),
  ];
  if (maxNest >= 0) kinds.push(expandArb(maxNest).map((v) => `$expand=${v}`));
  return fc
    .shuffledSubarray(kinds, { minLength, maxLength: kinds.length })
    .chain((chosen) => (chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen)));
}

function expandArb(maxNest: number): fc.Arbitrary<string> {
  const item = fc.oneof(
    nameArb,
    nameArb.map((n) => `${n}()`),
    fc.tuple(nameArb, optionsArb(maxNest - 1, 1)).map(([n, o]) => `${n}(${o.join(';')})`),
    nameArb.map((n) => `${n}/$count`),
    fc.tuple(nameArb, filterArb).map(([n, f]) => `${n}/$count($filter=${f})`),
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

const targetArb = fc.oneof(
  fc.constant(''),
  fc.constant('/$count'),
  fc.nat({ max: 1_000_000 }).map((n) => `(${n})`),
  fc.tuple(nameArb, textArb).map(([f, s]) => `(${f}=${renderString(s)})`),
  fc.tuple(nameArb, fc.nat()).map(([f, n]) => `(${f}=${n})`),
);

/**
 * How the URL layer treated the query: Node's URL (what the SDK's fetch does) percent-encodes
 * spaces and quotes; other clients may leave quotes or even spaces raw. Both parsers accept all three.
 */
export type Escaping = 'node' | 'raw-quotes' | 'raw';

export function escapeQuery(value: string, style: Escaping): string {
  if (style === 'raw') return value;
  const spaced = value.replaceAll(' ', '%20');
  return style === 'node' ? spaced.replaceAll("'", '%27') : spaced;
}

/** A full URL after the `/v7` root, e.g. `/device(5)?$select=id&$expand=…`. */
export const urlArb: fc.Arbitrary<string> = fc
  .record({
    resource: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...RESOURCES) }, randomName),
    target: targetArb,
    options: optionsArb(2, 0),
    extra: fc.option(fc.tuple(fc.constantFrom('apikey=ABC123', 'auth_token=x1y2', 'foo=bar'), fc.nat())),
    style: fc.constantFrom<Escaping>('node', 'node', 'raw-quotes', 'raw'),
  })
  .map(({ resource, target, options, extra, style }) => {
    const parts = options.map((o) => escapeQuery(o, style));
    if (extra !== null) parts.splice(extra[1] % (parts.length + 1), 0, extra[0]);
    return `/${resource}${target}${parts.length > 0 ? `?${parts.join('&')}` : ''}`;
  });
