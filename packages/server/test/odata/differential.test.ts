/**
 * Differential test: our parser against `@balena/odata-parser` (the parser behind the balena API),
 * both converted to one canonical form (support/canonical.ts, support/reference-canonical.ts).
 * Corpus: every URL balena-sdk 23 was recorded sending, plus generated URLs covering the subset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/app-error.js';
import { parseODataUrl } from '../../src/odata/parse-url.js';
import { type CRequest, canonicalFromOurs } from './support/canonical.js';
import { CAPTURED_URLS } from './support/captured-urls.js';
import { referenceAccepts, referenceCanonical } from './support/reference-canonical.js';
import { escapeQuery, filterArb, predArb, renderPred, urlArb } from './support/url-arbitrary.js';

type Outcome =
  | { readonly ok: true; readonly value: CRequest }
  | { readonly ok: false; readonly error: string };

function ours(url: string): Outcome {
  try {
    return { ok: true, value: canonicalFromOurs(parseODataUrl(url)) };
  } catch (err) {
    if (!isAppError(err) || err.code !== 'odata_syntax') throw err;
    return { ok: false, error: err.message };
  }
}

function reference(url: string): Outcome {
  try {
    return { ok: true, value: referenceCanonical(url) };
  } catch (err) {
    // Conversion errors (an unknown construct in its tree) are bugs in the test, not rejections.
    if (err instanceof Error && err.message.startsWith('reference:')) throw err;
    return { ok: false, error: String(err) };
  }
}

/** Both accept with equal trees. */
function expectAgreement(url: string): void {
  const a = ours(url);
  const b = reference(url);
  if (!a.ok) throw new Error(`we rejected ${url}: ${a.error}`);
  if (!b.ok) throw new Error(`the reference rejected ${url}: ${b.error}`);
  expect(a.value, url).toEqual(b.value);
}

describe('differential: captured SDK URLs', () => {
  it('has the whole capture corpus', () => {
    expect(CAPTURED_URLS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CAPTURED_URLS.map((u) => [u]))('%s', (url) => {
    expect(url.startsWith('/v7/')).toBe(true);
    expectAgreement(url.slice('/v7'.length));
  });
});

describe('differential: generated URLs', () => {
  it('agrees on 1,500 generated request URLs', () => {
    fc.assert(
      fc.property(urlArb, (url) => expectAgreement(url)),
      { numRuns: 1500 },
    );
  });

  it('agrees on 1,000 generated $filter expressions (deeper than inside whole URLs)', () => {
    fc.assert(
      fc.property(filterArb, (f) => expectAgreement(`/device?$filter=${escapeQuery(f, 'node')}`)),
      { numRuns: 1000 },
    );
  });

  it('agrees on filters inside nested $expand and $count', () => {
    fc.assert(
      fc.property(predArb, predArb, (p, q) => {
        const a = escapeQuery(renderPred(p, []), 'node');
        const b = escapeQuery(renderPred(q, []), 'node');
        expectAgreement(
          `/application?$expand=owns__device($filter=${a};$expand=device_tag/$count($filter=${b}))`,
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('differential: both reject broken input', () => {
  /** Breakages that are errors in both grammars, applied to a valid generated filter. */
  const breakages: readonly ((f: string) => string)[] = [
    (f) => `(${f}`,
    (f) => `${f})`,
    (f) => `${f} and`,
    (f) => `${f} eq`,
    (f) => `${f} in ()`,
    (f) => `${f},`,
    (f) => `${f} 'unterminated`,
    (f) => `${f}/any(x:)`,
  ];

  it('rejects the same broken filters', () => {
    fc.assert(
      fc.property(filterArb, fc.nat({ max: breakages.length - 1 }), (f, i) => {
        const broken = (breakages[i] as (f: string) => string)(f);
        const url = `/device?$filter=${escapeQuery(broken, 'node')}`;
        expect(ours(url).ok, url).toBe(false);
        expect(reference(url).ok, url).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['/device?$top=-1'],
    ['/device?$top=abc'],
    ['/device?$select=a,'],
    ['/device?$orderby=a%20up'],
    ['/device?$expand=a($select=)'],
    ['/device?$filter=startswith(a)'],
    ['/device(1'],
    ['/device?$filter=a%20eq%20%27%ZZ%27'],
    ['/device?$filter=a%20eq%20datetime%27not-a-date%27'],
  ])('%s', (url) => {
    expect(ours(url).ok).toBe(false);
    expect(reference(url).ok).toBe(false);
  });
});

/**
 * Where the two parsers differ on purpose. Each case states both behaviours so a change on either
 * side is noticed; the generator avoids these (see url-arbitrary.ts).
 */
describe('differential: deliberate differences', () => {
  it('$orderby without a direction is asc for us (OData spec), desc for the reference', () => {
    const a = ours('/device?$orderby=name');
    const b = reference('/device?$orderby=name');
    expect(a.ok && a.value.options.orderby).toEqual([[['name'], 'asc']]);
    expect(b.ok && b.value.options.orderby).toEqual([[['name'], 'desc']]);
  });

  it.each([
    // Whitespace after the lambda colon, as OData allows.
    ['/device?$filter=a/any(x:%20x/b%20eq%201)'],
    // Names that merely start with a keyword: the reference's PEG commits to `true` and fails.
    ['/device?$filter=trueish%20eq%201'],
    // A count of a single entity: `/resource(key)/$count` is in our brief.
    ['/device(5)/$count'],
    // We decode the whole option before parsing, so encoded punctuation is punctuation.
    ['/device?$filter=%28a%20eq%201%29'],
    // Spaces after commas in $select.
    ['/device?$select=id,%20name'],
  ])('we accept, the reference rejects: %s', (url) => {
    expect(ours(url).ok).toBe(true);
    expect(referenceAccepts(url)).toBe(false);
  });

  it.each([
    // `+` is a literal plus for us (the SDK encodes spaces as %20); the reference reads it as a space.
    ['/device?$filter=a+eq+1'],
    // Chained comparisons are ambiguous; the reference builds ['eq', a, b, c].
    ['/device?$filter=a%20eq%20b%20eq%20c'],
    // `not` needs an operand; the reference reads a lone `not` as a property name.
    ['/device?$filter=not'],
    // Outside our subset: arithmetic, other functions, aliases, $format, composite keys, sub-paths.
    ['/device?$filter=a%20add%201%20eq%202'],
    ['/device?$filter=year(created_at)%20eq%202024'],
    ['/device?$filter=a%20eq%20@p&@p=1'],
    ['/device?$format=json'],
    ['/device(a=1,b=2)'],
    ['/device(5)/belongs_to__application'],
    ['/device?$select=a/b'],
    // Duplicate options: the reference lets the last one win.
    ['/device?$top=1&$top=2'],
  ])('we reject, the reference accepts: %s', (url) => {
    expect(ours(url).ok).toBe(false);
    expect(referenceAccepts(url)).toBe(true);
  });
});
