/**
 * Robustness: whatever arrives, the parser returns a well-formed result or throws
 * `AppError('odata_syntax')` with a short message — never a TypeError, URIError or stack overflow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/app-error.js';
import type { ODataLimits } from '../../src/odata/ast.js';
import { parseODataUrl } from '../../src/odata/parse-url.js';
import { paramIndices } from './support/canonical.js';
import { CAPTURED_URLS } from './support/captured-urls.js';
import { urlArb } from './support/url-arbitrary.js';

/** Parses; on success checks the result's invariants, on failure that it is the one allowed error. */
function parsesOrRejects(url: string, limits?: Partial<ODataLimits>): 'ok' | 'rejected' {
  let result: ReturnType<typeof parseODataUrl>;
  try {
    result = parseODataUrl(url, limits);
  } catch (err) {
    if (!isAppError(err) || err.code !== 'odata_syntax') throw err;
    // A message names the problem and quotes little input, however large the input.
    expect(err.message.length).toBeLessThan(200);
    return 'rejected';
  }
  // Parameters are numbered 0..n-1 in shape order and every one is referenced exactly once.
  expect(paramIndices(result)).toEqual(result.params.map((_, i) => i));
  expect(typeof result.shapeKey).toBe('string');
  return 'ok';
}

/** Characters that matter to the grammar, so random strings get past the first token. */
const ALPHABET = [
  ...'()\',;=/:$*&?-.% \t+@#[]"\\'.split(''),
  ...'abcdeilnoqrstuxy_0129'.split(''),
  '%20',
  '%27',
  '%2',
  '%ZZ',
  '%C3',
  '%C3%A9',
  '%ED%A0%80',
  "''",
  ' eq ',
  ' and ',
  ' or ',
  'not ',
  ' in ',
  'any(',
  'all(',
  '/$count',
  '$filter=',
  '$select=',
  '$expand=',
  '$orderby=',
  '$top=',
  "datetime'",
  'null',
  'true',
  'tolower(',
  'startswith(',
];
const tokenSoup = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 60 });

const PREFIXES = [
  '',
  '/',
  '/device',
  '/device?',
  '/device?$filter=',
  '/device?$expand=',
  '/device(',
  '/device?$orderby=',
];

describe('parser fuzz: random input', () => {
  it('handles arbitrary strings (any code points, lone surrogates included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PREFIXES),
        fc.string({ unit: 'binary', maxLength: 200 }),
        (prefix, s) => {
          parsesOrRejects(prefix + s);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('handles random soups of OData tokens', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PREFIXES), tokenSoup, (prefix, s) => {
        parsesOrRejects(prefix + s);
      }),
      { numRuns: 5000 },
    );
  });
});

type Mutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'replace'; readonly at: number; readonly text: string }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...ALPHABET) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...ALPHABET) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
);

function mutate(url: string, mutations: readonly Mutation[]): string {
  let s = url;
  for (const m of mutations) {
    const at = m.at % (s.length + 1);
    switch (m.op) {
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.length);
        break;
      case 'replace':
        s = s.slice(0, at) + m.text + s.slice(at + 1);
        break;
      case 'duplicate':
        s = s.slice(0, at + m.length) + s.slice(at, at + m.length) + s.slice(at + m.length);
        break;
    }
  }
  return s;
}

describe('parser fuzz: mutated valid URLs', () => {
  const captured = CAPTURED_URLS.map((u) => u.slice('/v7'.length));

  it('handles mutated captured SDK URLs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...captured),
        fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
        (url, ms) => {
          parsesOrRejects(mutate(url, ms));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('handles mutated generated URLs', () => {
    fc.assert(
      fc.property(urlArb, fc.array(mutationArb, { minLength: 1, maxLength: 5 }), (url, ms) => {
        parsesOrRejects(mutate(url, ms));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every unmutated generated URL', () => {
    fc.assert(
      fc.property(urlArb, (url) => {
        expect(parsesOrRejects(url)).toBe('ok');
      }),
      { numRuns: 500 },
    );
  });
});

describe('parser fuzz: hostile sizes and nesting', () => {
  const big = { maxUrlLength: 10_000_000 };

  it.each([
    ['10,000 (', `/d?$filter=${'('.repeat(10_000)}`],
    ['10,000 balanced ()', `/d?$filter=${'('.repeat(10_000)}a${')'.repeat(10_000)}`],
    ['10,000 not', `/d?$filter=${'not '.repeat(10_000)}a`],
    ['10,000 not(', `/d?$filter=${'not('.repeat(10_000)}a`],
    ['10,000 nested calls', `/d?$filter=${'tolower('.repeat(10_000)}a`],
    ['10,000 nested lambdas', `/d?$filter=${'a/any(x:x/'.repeat(10_000)}b`],
    ['10,000 nested counts', `/d?$filter=${'a/$count($filter='.repeat(10_000)}b`],
    ['10,000 nested expands', `/d?$expand=${'a($expand='.repeat(10_000)}b`],
    ['100,000-long and chain', `/d?$filter=${'a and '.repeat(100_000)}a`],
    ['100,000-long in list', `/d?$filter=a in (${'1,'.repeat(100_000)}1)`],
    ['100,000-long select', `/d?$select=${'a,'.repeat(100_000)}a`],
    ['100,000 query parts', `/d?${'x=1&'.repeat(100_000)}$top=1`],
    ['1,000,000-char string literal', `/d?$filter=a eq '${'x'.repeat(1_000_000)}'`],
    ['1,000,000-char name', `/d?$filter=${'x'.repeat(1_000_000)}`],
  ])('rejects %s with odata_syntax (default limits)', (_, url) => {
    expect(parsesOrRejects(url)).toBe('rejected');
  });

  it.each([
    ['10,000 (', `/d?$filter=${'('.repeat(10_000)}a${')'.repeat(10_000)}`, 'nesting deeper than 32'],
    ['10,000 not', `/d?$filter=${'not '.repeat(10_000)}a`, 'nesting deeper than 32'],
    ['10,000 lambdas', `/d?$filter=${'a/any(x:x/'.repeat(10_000)}b`, 'nesting deeper than 32'],
    ['10,000 expands', `/d?$expand=${'a($expand='.repeat(10_000)}b`, '$expand nesting deeper than 5'],
    ['100,000-long and chain', `/d?$filter=${'a and '.repeat(100_000)}a`, 'more than 2000 nodes'],
    ['100,000-long in list', `/d?$filter=a in (${'1,'.repeat(100_000)}1)`, "'in' list longer than 1000"],
  ])('hits the right limit for %s when the URL length is not the limit', (_, url, message) => {
    try {
      parseODataUrl(url, big);
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('odata_syntax');
      expect((err as Error).message).toContain(message);
    }
  });

  it('turns a stack overflow under absurd caller limits into odata_syntax', () => {
    const limits = { ...big, maxDepth: Number.POSITIVE_INFINITY, maxNodes: Number.POSITIVE_INFINITY };
    expect(parsesOrRejects(`/d?$filter=${'('.repeat(1_000_000)}`, limits)).toBe('rejected');
  });

  it('parses long but legal inputs within the limits', () => {
    expect(parsesOrRejects(`/d?$filter=a in (${'1,'.repeat(999)}1)`)).toBe('ok');
    expect(parsesOrRejects(`/d?$filter=a eq '${'x'.repeat(8000)}'`)).toBe('ok');
    expect(parsesOrRejects(`/d?$filter=${'('.repeat(32)}a${')'.repeat(32)}`)).toBe('ok');
  });
});
