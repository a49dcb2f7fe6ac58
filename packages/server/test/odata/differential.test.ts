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
import {
  escapeQuery,
  filterArb,
  formEncode,
  formUrlArb,
  predArb,
  renderPred,
  urlArb,
} from './support/url-arbitrary.js';

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

/**
 * Whether the reference read the URL's options as OData. When an encoded option does not parse, its
 * grammar falls back to a plain `name=value` parameter, `%24filter` decoded to the string `$filter`
 * (which pinejs then fails to translate): that is not a reading of the filter.
 */
function referenceParsesOptions(url: string): boolean {
  if (!referenceAccepts(url)) return false;
  try {
    referenceCanonical(url);
    return true;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('reference:')) return false;
    throw err;
  }
}

/**
 * Clients that form-encode the query (URLSearchParams, Python urllib/requests, Go url.Values) send a
 * space as `+`. The reference reads `+` as a space outside string literals and as a plus inside them
 * (it decodes literals with decodeURIComponent), so `'my device'` form-encoded means `my+device`.
 */
describe('differential: form-encoded URLs (+ for spaces)', () => {
  it('agrees on 1,000 generated URLs as URLSearchParams, Python and Go encode them', () => {
    fc.assert(
      fc.property(formUrlArb, ({ form, plus }) => {
        // The reference reads `+` but not encoded punctuation (`%28`): its meaning of the request is
        // that of the same values with punctuation raw; where it reads the form bytes, those too.
        expectAgreement(plus);
        const a = ours(form);
        if (!a.ok) throw new Error(`we rejected ${form}: ${a.error}`);
        const b = reference(plus);
        expect(b.ok && a.value, form).toEqual(b.ok && b.value);
        if (referenceParsesOptions(form)) expectAgreement(form);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the form bytes the reference reads for simple filters', () => {
    const filters = [
      "uuid eq 'abc'",
      "device_name eq 'my device'",
      "device_name eq 'a+b' and id ge 10",
      "name eq 'it''s'",
      'id in (1, 2, 3)',
      "created_at gt datetime'2024-01-02T03:04:05+02:00'",
      'id eq -5',
    ];
    for (const f of filters) {
      for (const encoder of ['URLSearchParams', 'python-urlencode', 'go-url-values'] as const) {
        const url = `/device?${formEncode('$filter', encoder)}=${formEncode(f, encoder)}`;
        if (f.includes('(')) {
          // `(` is sent as `%28`, which only we decode as punctuation (a deliberate difference).
          expect(referenceAccepts(url), url).toBe(false);
          expect(ours(url).ok, url).toBe(true);
        } else expectAgreement(url);
      }
    }
  });

  it.each([
    // Inside a literal `+` stays a plus, `%2B` is a plus, `%20` is a space.
    ["/device?$filter=device_name+eq+'my+device'", 'my+device'],
    ['/device?$filter=device_name+eq+%27my+device%27', 'my+device'],
    ["/device?$filter=device_name+eq+'a%2Bb'", 'a+b'],
    ["/device?$filter=device_name+eq+'a%20b'", 'a b'],
    ["/device?$filter=created_at+gt+datetime'2020-01-01T00:00:00+02:00'", { datetime: 1577829600000 }],
    // `%2B` outside a literal is the sign of a number; `+` before one is a space.
    ['/device?$filter=id+eq+%2B5', 5],
    ['/device?$filter=id%20eq%20+5', 5],
  ])('%s: the literal is %j', (url, value) => {
    expectAgreement(url);
    const a = ours(url);
    expect(a.ok && a.value.options.filter).toEqual([
      'cmp',
      expect.any(String),
      expect.anything(),
      ['val', value],
    ]);
  });

  it.each([
    ['/device?$orderby=device_name+desc,id+asc'],
    ["/device?$expand=device_tag($filter=tag_key+eq+'x+y';$orderby=id+desc)"],
    ['/device?$filter=id+in+(1,+2)&$top=5'],
    ['/device?%24filter=id+eq+1'],
    // In keys the reference has no spaces: `+` and `%2B` are a number's sign, `+` in a string a plus.
    ['/device(+5)'],
    ['/device(%2B5)'],
    ["/device(uuid='a+b')"],
  ])('agrees on %s', (url) => expectAgreement(url));

  it.each([['/device?$top=%2B5'], ['/device+'], ['/device?$filter=id+%2Beq+1'], ['/device?$filter+=id']])(
    'both reject %s',
    (url) => {
      expect(ours(url).ok).toBe(false);
      expect(reference(url).ok).toBe(false);
    },
  );
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
    // Spaces after commas in $select, and after a value, however encoded.
    ['/device?$select=id,%20name'],
    ['/device?$select=id,+name'],
    ['/device?$filter=id+eq+1+'],
    ['/device?$top=+5'],
  ])('we accept, the reference rejects: %s', (url) => {
    expect(ours(url).ok).toBe(true);
    expect(referenceAccepts(url)).toBe(false);
  });

  it.each([
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
