import { describe, expect, it } from 'vitest';
import { DEFAULT_ODATA_LIMITS } from '../../src/odata/parse-url.js';
import { paramIndices } from './support/canonical.js';
import { enc, filter, NULL, param, parse, prop, syntaxError, varProp } from './support/helpers.js';

describe('resource path', () => {
  it('parses a plain resource', () => {
    const r = parse('/v7/device');
    expect(r.resource).toBe('device');
    expect(r.key).toBeNull();
    expect(r.count).toBe(false);
    expect(r.options).toEqual({
      select: null,
      filter: null,
      expand: null,
      orderby: null,
      top: null,
      skip: null,
    });
    expect(r.params).toEqual([]);
  });

  it('lifts an integer key', () => {
    const r = parse('/v7/device(5)');
    expect(r.key).toEqual({ field: null, value: param(0, 'number') });
    expect(r.params).toEqual([5]);
  });

  it('lifts named string and integer keys', () => {
    const u = parse("/v7/device(uuid='aaaaaaaa')?$select=id");
    expect(u.key).toEqual({ field: 'uuid', value: param(0, 'string') });
    expect(u.params).toEqual(['aaaaaaaa']);
    expect(parse("/organization(handle='admin')").params).toEqual(['admin']);
    const i = parse('/organization(id=1)?$select=id');
    expect(i.key).toEqual({ field: 'id', value: param(0, 'number') });
    expect(i.params).toEqual([1]);
  });

  it('decodes and unescapes a string key', () => {
    expect(parse("/device(uuid='a%20b''c%2Fd')").params).toEqual(["a b'c/d"]);
  });

  it('parses /$count after the resource or the key', () => {
    expect(parse('/device/$count?$filter=belongs_to__application%20eq%201').count).toBe(true);
    const k = parse('/device(5)/$count');
    expect(k.count).toBe(true);
    expect(k.params).toEqual([5]);
  });

  it.each([
    ['', 'expected'],
    ['/', 'expected a resource name'],
    ['device', "expected '/'"],
    ['/device/', "expected '$count'"],
    ['/device(', 'expected an integer key'],
    ["/device('abc')", 'expected an integer key'],
    ['/device(1.5)', 'expected an integer key'],
    ['/device(5', "expected ')'"],
    ['/device(id=)', 'expected an integer or a string'],
    ['/device(a=1,b=2)', "expected ')'"],
    ['/device(5)/belongs_to__application', "expected '$count'"],
    ['/device/$count/$count', 'end of path'],
    ['/$metadata', 'expected a resource name'],
    ['/device%ZZ', 'invalid percent-encoding'],
  ])('rejects %j', (url, message) => {
    expect(syntaxError(() => parse(url))).toContain(message);
  });
});

describe('$select, $orderby, $top, $skip', () => {
  it('parses $select lists and *', () => {
    expect(parse('/device?$select=id,device_name').options.select).toEqual(['id', 'device_name']);
    expect(parse('/device?$select=*').options.select).toBe('*');
  });

  it('parses $orderby with explicit and default (asc) directions and navigation paths', () => {
    expect(
      parse(`/device?$orderby=${enc('last_connectivity_event desc,device_name asc')}`).options.orderby,
    ).toEqual([
      { path: ['last_connectivity_event'], direction: 'desc' },
      { path: ['device_name'], direction: 'asc' },
    ]);
    expect(parse(`/device?$orderby=${enc('belongs_to__application/app_name,id')}`).options.orderby).toEqual([
      { path: ['belongs_to__application', 'app_name'], direction: 'asc' },
      { path: ['id'], direction: 'asc' },
    ]);
  });

  it('keeps $top and $skip as plain numbers', () => {
    const r = parse('/device?$top=5&$skip=0');
    expect(r.options.top).toBe(5);
    expect(r.options.skip).toBe(0);
    expect(r.params).toEqual([]);
  });

  it.each([
    ['$select=', 'expected a property name but found end of input'],
    ['$select=a,', 'expected a property name'],
    ['$select=a/b', 'expected end of $select'],
    ['$select=*,a', 'expected end of $select'],
    ['$orderby=a%20up', 'expected end of $orderby'],
    ['$orderby=', 'expected a property name'],
    ['$top=-1', 'non-negative integer'],
    ['$top=1.5', 'non-negative integer'],
    ['$top=abc', 'non-negative integer'],
    ['$skip=99999999999999999999', 'non-negative integer'],
    ['$top=', 'non-negative integer'],
  ])('rejects %s', (query, message) => {
    expect(syntaxError(() => parse(`/device?${query}`))).toContain(message);
  });
});

describe('$filter comparisons and literals', () => {
  it.each(['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const)('parses %s', (op) => {
    expect(filter(`id ${op} 1`).tree).toEqual({
      kind: 'compare',
      op,
      left: prop('id'),
      right: param(0, 'number'),
    });
  });

  it('lifts literals of every type, keeping null as a node', () => {
    const { tree, params } = filter(
      "a eq 'x' and b eq -1.5 and c eq true and d eq false and e eq datetime'2024-01-01T00:00:00.000Z' and f eq null and g eq 42",
    );
    expect(params).toEqual(['x', -1.5, true, false, { datetime: Date.UTC(2024, 0, 1) }, 42]);
    expect(tree).toMatchObject({
      kind: 'and',
      args: [
        { right: param(0, 'string') },
        { right: param(1, 'number') },
        { right: param(2, 'boolean') },
        { right: param(3, 'boolean') },
        { right: param(4, 'datetime') },
        { right: NULL },
        { right: param(5, 'number') },
      ],
    });
  });

  it('unescapes doubled quotes in strings', () => {
    expect(filter("name eq 'it''s'").params).toEqual(["it's"]);
    expect(filter("name eq ''''").params).toEqual(["'"]);
    expect(filter("name eq ''").params).toEqual(['']);
  });

  it('accepts date-only and offset datetimes, and rejects ambiguous or invalid ones', () => {
    expect(filter("d ge datetime'2024-02-03'").params).toEqual([{ datetime: Date.UTC(2024, 1, 3) }]);
    expect(filter("d ge datetime'2024-01-01T01:00:00%2B01:00'").params).toEqual([
      { datetime: Date.UTC(2024, 0, 1) },
    ]);
    // No zone: Date.parse would use the server's local time zone.
    expect(syntaxError(() => filter("d ge datetime'2024-01-01T00:00:00'"))).toContain('invalid datetime');
    expect(syntaxError(() => filter("d ge datetime'yesterday'"))).toContain('invalid datetime');
    expect(syntaxError(() => filter("d ge datetime'2024-13-01'"))).toContain('invalid datetime');
  });

  it('parses negative, decimal and zero-padded numbers', () => {
    expect(filter('a eq -3 or a eq 0.25 or a eq 007').params).toEqual([-3, 0.25, 7]);
  });

  it('accepts the degenerate 1 eq 1 and a bare boolean property', () => {
    expect(filter('1 eq 1').tree).toEqual({
      kind: 'compare',
      op: 'eq',
      left: param(0, 'number'),
      right: param(1, 'number'),
    });
    expect(filter('is_online').tree).toEqual(prop('is_online'));
  });

  it('parses property paths', () => {
    expect(filter('belongs_to__application/organization/handle eq 1').tree).toMatchObject({
      left: prop('belongs_to__application', 'organization', 'handle'),
    });
  });

  it('parses in lists, including null', () => {
    expect(filter("api_heartbeat_state in ('online','timeout', null)").tree).toEqual({
      kind: 'in',
      operand: prop('api_heartbeat_state'),
      values: [param(0, 'string'), param(1, 'string'), NULL],
    });
    expect(filter('id in (5)').params).toEqual([5]);
  });

  it.each([
    ['a eq', 'expected an expression but found end of input'],
    ['eq 1', "expected an expression but found 'eq'"],
    ['a eq b eq c', 'comparisons cannot be chained'],
    ['a in ()', 'expected a literal'],
    ['a in (b)', 'expected a literal'],
    ['a in 1', "expected '(' after 'in'"],
    ["a eq 'x", 'unterminated string literal'],
    ['a eq 1abc', 'invalid number'],
    ['a eq 1.', 'invalid number'],
    ['a eq 1e5', 'invalid number'],
    ['a EQ 1', "expected end of $filter but found 'EQ'"],
    ['a eq -x', 'unexpected character "-"'],
    ['a eq 1 b', "expected end of $filter but found 'b'"],
    ['a eq [1]', 'unexpected character "["'],
    ['a eq @p', 'unexpected character "@"'],
    ['a add 1 eq 2', "found 'add'"],
    ['', 'expected an expression but found end of input'],
  ])('rejects %j', (text, message) => {
    expect(syntaxError(() => filter(text))).toContain(message);
  });
});

describe('$filter logic', () => {
  it('parses not with and without parentheses', () => {
    expect(filter('not(is_host eq true)').tree).toEqual({
      kind: 'not',
      operand: { kind: 'compare', op: 'eq', left: prop('is_host'), right: param(0, 'boolean') },
    });
    expect(filter('not is_online').tree).toEqual({ kind: 'not', operand: prop('is_online') });
    expect(filter('not not a').tree).toEqual({ kind: 'not', operand: { kind: 'not', operand: prop('a') } });
  });

  it('binds not tighter than comparisons (as OData and the reference do)', () => {
    expect(filter('not a eq true').tree).toMatchObject({
      kind: 'compare',
      left: { kind: 'not', operand: prop('a') },
    });
  });

  it('flattens runs of the same operator, parenthesised or not', () => {
    const flat = { kind: 'and', args: [prop('a'), prop('b'), prop('c')] };
    expect(filter('a and b and c').tree).toEqual(flat);
    expect(filter('(a and b) and c').tree).toEqual(flat);
    expect(filter('a and (b and c)').tree).toEqual(flat);
  });

  it('gives and/or equal precedence, left to right, like the balena reference parser', () => {
    expect(filter('a or b and c').tree).toEqual({
      kind: 'and',
      args: [{ kind: 'or', args: [prop('a'), prop('b')] }, prop('c')],
    });
    expect(filter('a and b or c').tree).toEqual({
      kind: 'or',
      args: [{ kind: 'and', args: [prop('a'), prop('b')] }, prop('c')],
    });
    expect(filter('a or (b and c)').tree).toEqual({
      kind: 'or',
      args: [prop('a'), { kind: 'and', args: [prop('b'), prop('c')] }],
    });
  });

  it('drops redundant parentheses', () => {
    expect(filter('((a eq 1))').tree).toEqual(filter('a eq 1').tree);
  });

  it.each([
    ['(a eq 1', "expected ')'"],
    ['a eq 1)', "expected end of $filter but found ')'"],
    ['a and', 'expected an expression'],
    ['not', 'expected an expression'],
    ['a and or b', "expected an expression but found 'or'"],
  ])('rejects %j', (text, message) => {
    expect(syntaxError(() => filter(text))).toContain(message);
  });
});

describe('$filter functions', () => {
  it.each(['startswith', 'endswith', 'contains', 'substringof'] as const)(
    'parses %s with two arguments',
    (name) => {
      expect(filter(`${name}(name,'A')`).tree).toEqual({
        kind: 'call',
        name,
        args: [prop('name'), param(0, 'string')],
      });
    },
  );

  it.each(['tolower', 'toupper', 'length'] as const)('parses %s with one argument', (name) => {
    expect(filter(`${name}(name) eq 'a'`).tree).toMatchObject({
      left: { kind: 'call', name, args: [prop('name')] },
    });
  });

  it('nests calls and tolerates spaces inside the parentheses', () => {
    expect(filter("contains( tolower(device_name) , 'pi' )").tree).toEqual({
      kind: 'call',
      name: 'contains',
      args: [{ kind: 'call', name: 'tolower', args: [prop('device_name')] }, param(0, 'string')],
    });
  });

  it.each([
    ['startswith(name)', 'startswith() takes 2 argument(s), not 1'],
    ['tolower(a, b) eq 1', 'tolower() takes 1 argument(s), not 2'],
    ['length() eq 1', 'length() takes 1 argument(s), not 0'],
    ['year(created_at) eq 2024', "unsupported function 'year'"],
    ['startswith(name,', 'expected an expression'],
  ])('rejects %j', (text, message) => {
    expect(syntaxError(() => filter(text))).toContain(message);
  });
});

describe('$filter lambdas and $count', () => {
  it('parses any/all with the variable as the root of paths', () => {
    expect(filter("device_type_alias/any(dta:dta/is_referenced_by__alias eq 'raspberrypi3')").tree).toEqual({
      kind: 'lambda',
      op: 'any',
      root: null,
      path: ['device_type_alias'],
      variable: 'dta',
      predicate: {
        kind: 'compare',
        op: 'eq',
        left: varProp('dta', 'is_referenced_by__alias'),
        right: param(0, 'string'),
      },
    });
    expect(filter('a/b/all(x: x/c/d eq 1)').tree).toMatchObject({
      op: 'all',
      path: ['a', 'b'],
      predicate: { left: varProp('x', 'c', 'd') },
    });
  });

  it('accepts the degenerate any(dau:1 eq 1)', () => {
    expect(filter('is_directly_accessible_by__user/any(dau:1 eq 1)').tree).toMatchObject({
      kind: 'lambda',
      variable: 'dau',
      predicate: { left: param(0, 'number'), right: param(1, 'number') },
    });
  });

  it('scopes nested lambda variables, with shadowing', () => {
    const { tree } = filter('a/any(x:x/b/any(y:y/c eq x/d) and x/e) and x/f');
    expect(tree).toEqual({
      kind: 'and',
      args: [
        {
          kind: 'lambda',
          op: 'any',
          root: null,
          path: ['a'],
          variable: 'x',
          predicate: {
            kind: 'and',
            args: [
              {
                kind: 'lambda',
                op: 'any',
                root: 'x',
                path: ['b'],
                variable: 'y',
                predicate: { kind: 'compare', op: 'eq', left: varProp('y', 'c'), right: varProp('x', 'd') },
              },
              varProp('x', 'e'),
            ],
          },
        },
        // Outside the lambda `x` is an ordinary property again.
        prop('x', 'f'),
      ],
    });
    expect(filter('a/any(x:x/b/any(x:x/c))').tree).toMatchObject({
      predicate: { root: 'x', path: ['b'], variable: 'x', predicate: varProp('x', 'c') },
    });
  });

  it('parses nav/$count and nav/$count($filter=…) as operands', () => {
    expect(filter('owns__device/$count gt 0').tree).toEqual({
      kind: 'compare',
      op: 'gt',
      left: { kind: 'count', root: null, path: ['owns__device'], filter: null },
      right: param(0, 'number'),
    });
    expect(filter('owns__device/$count($filter=is_online eq true) ge 2').tree).toMatchObject({
      left: {
        kind: 'count',
        filter: { kind: 'compare', left: prop('is_online'), right: param(0, 'boolean') },
      },
      right: param(1, 'number'),
    });
  });

  it('parses a bare lambda variable as a path rooted at it (as the reference does; the compiler refuses it)', () => {
    expect(filter('a/any(x:x)').tree).toMatchObject({
      kind: 'lambda',
      variable: 'x',
      predicate: { kind: 'property', root: 'x', path: [] },
    });
  });

  it.each([
    ['a/any(x)', "expected ':'"],
    ['a/any(x:)', 'expected an expression'],
    ['a/any(x:x/b eq 1', "expected ')'"],
    ['any(x:x/b)', "unsupported function 'any'"],
    ['a/any(x:x/any(y:y/b))', "'any' needs a navigation property before it"],
    ['a/$count($select=id) gt 1', "expected '$filter'"],
    ['a/', "expected a property name after '/'"],
  ])('rejects %j', (text, message) => {
    expect(syntaxError(() => filter(text))).toContain(message);
  });
});

describe('$expand', () => {
  it('parses plain, optioned and counted expansions', () => {
    const r = parse(
      `/device?$expand=${enc("device_environment_variable($select=name,value;$filter=startswith(name,'A')),device_tag/$count,is_of__device_type")}`,
    );
    expect(r.options.expand).toEqual([
      {
        kind: 'expand',
        navigation: 'device_environment_variable',
        options: {
          select: ['name', 'value'],
          filter: { kind: 'call', name: 'startswith', args: [prop('name'), param(0, 'string')] },
          expand: null,
          orderby: null,
          top: null,
          skip: null,
        },
      },
      { kind: 'expandCount', navigation: 'device_tag', filter: null },
      {
        kind: 'expand',
        navigation: 'is_of__device_type',
        options: { select: null, filter: null, expand: null, orderby: null, top: null, skip: null },
      },
    ]);
  });

  it('parses every nested option, nested arbitrarily', () => {
    const r = parse(
      `/application?$expand=${enc('owns__device($select=id;$filter=is_online eq true;$orderby=device_name desc;$top=3;$skip=1;$expand=device_tag($expand=x/$count($filter=y eq 2)))')}`,
    );
    const [item] = r.options.expand ?? [];
    expect(item).toMatchObject({
      kind: 'expand',
      options: {
        select: ['id'],
        filter: { kind: 'compare' },
        orderby: [{ path: ['device_name'], direction: 'desc' }],
        top: 3,
        skip: 1,
        expand: [
          { navigation: 'device_tag', options: { expand: [{ kind: 'expandCount', navigation: 'x' }] } },
        ],
      },
    });
    expect(r.params).toEqual([true, 2]);
  });

  it('keeps ; and , inside string literals', () => {
    const r = parse(`/a?$expand=${enc("b($filter=name eq 'x;y,z)';$select=id)")}`);
    expect(r.params).toEqual(['x;y,z)']);
  });

  it('accepts empty parentheses', () => {
    expect(parse('/a?$expand=b()').options.expand).toEqual([
      { kind: 'expand', navigation: 'b', options: parse('/a').options },
    ]);
  });

  it.each([
    ['$expand=', 'expected a navigation property'],
    ['$expand=a(', 'expected a query option'],
    ['$expand=a($select=id', "expected ')' or ';'"],
    ['$expand=a($format=json)', "unsupported query option '$format'"],
    ['$expand=a($select=id;$select=name)', 'duplicate $select'],
    ['$expand=a(select=id)', 'expected a query option'],
    ['$expand=a/b', "expected '$count'"],
    ['$expand=a/$count($top=1)', "expected '$filter'"],
    ['$expand=a,', 'expected a navigation property'],
  ])('rejects %s', (query, message) => {
    expect(syntaxError(() => parse(`/device?${query}`))).toContain(message);
  });
});

describe('URL splitting and percent-decoding', () => {
  it('splits on & before decoding: %26, %2F, %2B, %23 stay inside the literal', () => {
    const r = parse('/v7/device?$filter=device_name%20eq%20%27it%27%27s%20a%26b%2Fc%2Bd%20%231%27');
    expect(r.params).toEqual(["it's a&b/c+d #1"]);
  });

  it('treats + as a space outside string literals and a plus inside them (the reference grammar)', () => {
    expect(parse("/device?$filter=name%20eq%20'a+b'").params).toEqual(['a+b']);
    expect(parse('/device?$filter=name+eq+%27a+b%27').params).toEqual(['a+b']);
    expect(parse("/device?$filter=name+eq+'it''s+ok'+and+id+eq+1").params).toEqual(["it's+ok", 1]);
    expect(parse('/device?$filter=a+eq+1').options.filter).toEqual(
      parse('/device?$filter=a%20eq%201').options.filter,
    );
    expect(parse('/device?$filter=a+eq+%2B1').params).toEqual([1]);
    expect(parse('/device(%2B7)').params).toEqual([7]);
    expect(syntaxError(() => parse('/device?$filter=a+%2Beq+1'))).toContain('unexpected character "+"');
    expect(syntaxError(() => parse('/device?$skip=%2B1'))).toContain('expected a non-negative integer');
  });

  it('decodes UTF-8 and percent-encoded option names', () => {
    expect(parse("/device?%24filter=name%20eq%20'caf%C3%A9'").params).toEqual(['café']);
  });

  it('ignores unknown parameters, even malformed ones, and empty parts', () => {
    const r = parse('/device?apikey=ABC%ZZ&$select=id&&auth_token=x&=&foo');
    expect(r.options.select).toEqual(['id']);
  });

  it('is independent of option order', () => {
    const a = parse(`/device?$select=id&$filter=${enc("a eq 'x'")}&$top=1`);
    const b = parse(`/device?$top=1&$filter=${enc("a eq 'x'")}&$select=id`);
    expect(b).toEqual(a);
  });

  it('tolerates raw and repeated spaces and tabs', () => {
    const expected = filter("a eq 'x y' and b in (1,2)").tree;
    expect(filter("a  eq  'x y'   and b in ( 1 , 2 )").tree).toEqual(expected);
    expect(parse("/device?$filter=a eq 'x y'%09and%09b in (1,2)").options.filter).toEqual(expected);
  });

  it.each([
    ['/device?$filter=a%20eq%20%27%E0%A4%27', 'invalid percent-encoding'],
    ['/device?$filter=%', 'invalid percent-encoding'],
    ['/device?$format=json', "Unsupported OData query option '$format'"],
    ['/device?$count=true', "Unsupported OData query option '$count'"],
    ['/device?$FILTER=a', "Unsupported OData query option '$FILTER'"],
    ['/device?$filter', "'$filter' has no value"],
    ['/device?$top=1&$top=2', 'duplicate $top'],
    ['/device?$filter=a&$filter=b', 'duplicate $filter'],
  ])('rejects %s', (url, message) => {
    expect(syntaxError(() => parse(url))).toContain(message);
  });
});

describe('shapeKey and parameter numbering', () => {
  const shape = (url: string): string => parse(url).shapeKey;

  it('is equal for requests that differ only in literal values', () => {
    expect(shape("/device(uuid='a')?$filter=id%20in%20(1,2)%20and%20name%20eq%20'x'")).toBe(
      shape("/device(uuid='b')?$filter=id%20in%20(7,8)%20and%20name%20eq%20'other'"),
    );
    expect(shape('/device(1)')).toBe(shape('/device(2)'));
  });

  it('ignores option order, whitespace and redundant parentheses', () => {
    expect(shape('/d?$select=id&$filter=a%20eq%201')).toBe(shape('/d?$filter=((a%20%20eq%201))&$select=id'));
    expect(shape('/d?$filter=a%20and%20(b%20and%20c)')).toBe(shape('/d?$filter=(a%20and%20b)%20and%20c'));
  });

  it.each([
    ['/d?$filter=a%20eq%201', '/d?$filter=a%20ne%201'],
    ['/d?$filter=a%20eq%201', '/d?$filter=b%20eq%201'],
    ['/d?$filter=a%20eq%201', '/d?$filter=a%20eq%20null'],
    ['/d?$filter=a%20eq%201', "/d?$filter=a%20eq%20'1'"],
    ['/d?$filter=a%20in%20(1,2)', '/d?$filter=a%20in%20(1,2,3)'],
    ['/d?$filter=a%20in%20(1,2)', '/d?$filter=a%20in%20(1,null)'],
    ['/d?$top=1', '/d?$top=2'],
    ['/d?$skip=1', '/d?$top=1'],
    ['/d(1)', "/d(id='1')"],
    ['/d(id=1)', '/d(1)'],
    ['/d', '/d/$count'],
    ['/d', '/e'],
    ['/d?$select=a,b', '/d?$select=b,a'],
    ['/d?$orderby=a%20asc', '/d?$orderby=a%20desc'],
    ['/d?$expand=a', '/d?$expand=a/$count'],
    ['/d?$expand=a($select=b)', '/d?$select=b&$expand=a'],
    ['/d?$filter=a/any(x:x/b%20eq%201)', '/d?$filter=a/all(x:x/b%20eq%201)'],
    ['/d?$filter=a/any(x:x/b%20eq%201)', '/d?$filter=a/any(x:b%20eq%201)'],
    ['/d?$filter=a%20or%20b%20and%20c', '/d?$filter=a%20or%20(b%20and%20c)'],
    ['/d?$filter=tolower(a)%20eq%201', '/d?$filter=toupper(a)%20eq%201'],
  ])('differs: %s vs %s', (a, b) => {
    expect(shape(a)).not.toBe(shape(b));
  });

  it('numbers parameters in shape order, whatever the order in the URL', () => {
    const a = parse(`/d(5)?$filter=${enc("a eq 'F'")}&$expand=${enc("b($filter=c eq 'E')")}`);
    const b = parse(`/d(6)?$expand=${enc("b($filter=c eq 'X')")}&$filter=${enc("a eq 'Y'")}`);
    expect(a.shapeKey).toBe(b.shapeKey);
    expect(a.params).toEqual([5, 'F', 'E']);
    expect(b.params).toEqual([6, 'Y', 'X']);
    expect(paramIndices(a)).toEqual([0, 1, 2]);
    expect(paramIndices(b)).toEqual([0, 1, 2]);
    expect(b.options.filter).toMatchObject({ right: param(1, 'string') });
  });
});

describe('limits', () => {
  const nested = (n: number): string => `${'('.repeat(n)}a${')'.repeat(n)}`;

  it('has the documented defaults', () => {
    expect(DEFAULT_ODATA_LIMITS).toEqual({
      maxUrlLength: 8192,
      maxDepth: 32,
      maxExpandDepth: 5,
      maxInList: 1000,
      maxNodes: 2000,
    });
  });

  it('caps the URL length', () => {
    const url = `/device?$select=${'a'.repeat(8200)}`;
    expect(syntaxError(() => parse(url))).toBe('OData URL longer than 8192 characters');
    expect(parse(url, { maxUrlLength: 9000 }).options.select).toHaveLength(1);
  });

  it('caps expression nesting', () => {
    expect(filter(nested(32)).tree).toEqual(prop('a'));
    expect(syntaxError(() => filter(nested(33)))).toContain('nesting deeper than 32');
    expect(syntaxError(() => filter(`${'not '.repeat(40)}a`))).toContain('nesting deeper than 32');
    expect(syntaxError(() => parse(`/d?$filter=${nested(5)}`, { maxDepth: 4 }))).toContain(
      'nesting deeper than 4',
    );
  });

  it('caps $expand nesting', () => {
    const expand = (n: number): string => `${'a($expand='.repeat(n - 1)}a${')'.repeat(n - 1)}`;
    expect(parse(`/d?$expand=${expand(5)}`).options.expand).toHaveLength(1);
    expect(syntaxError(() => parse(`/d?$expand=${expand(6)}`))).toContain('$expand nesting deeper than 5');
  });

  it('caps in lists', () => {
    const list = (n: number): string =>
      `/d?$filter=id%20in%20(${Array.from({ length: n }, (_, i) => i).join(',')})`;
    expect(parse(list(1000)).params).toHaveLength(1000);
    expect(syntaxError(() => parse(list(1001)))).toContain("'in' list longer than 1000");
  });

  it('caps the number of nodes', () => {
    // 700 comparisons of 3 nodes each; raw spaces keep the URL under the length limit.
    const url = `/d?$filter=${Array.from({ length: 700 }, () => 'a eq 1').join(' and ')}`;
    expect(syntaxError(() => parse(url))).toContain('more than 2000 nodes');
    expect(parse(url, { maxNodes: 5000 }).params).toHaveLength(700);
  });
});

describe('error messages', () => {
  it('name the option, the position and the problem', () => {
    expect(syntaxError(() => filter('(uuid eq 1'))).toBe(
      "Malformed OData $filter at position 10: expected ')' but found end of input",
    );
  });

  it('quote at most a few dozen characters of the input', () => {
    const long = 'x'.repeat(5000);
    for (const url of [
      `/device?$filter=a%20eq%201%20${long}`,
      `/device?$${long}=1`,
      `/device?$filter=${long}(1)`,
      `/device?$filter=a%20eq%20${'9'.repeat(400)}`,
      `/${long}(a`,
    ]) {
      expect(syntaxError(() => parse(url)).length).toBeLessThan(160);
    }
  });
});
