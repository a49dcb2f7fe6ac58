import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLimitsWorld, type LimitsWorld, snapshotAll } from '../api-keys/support.js';
import { CAPTURED_URLS } from '../odata/support/captured-urls.js';
import { dialects } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/*
 * Bad input never yields a 5xx (issue 6): thousands of random and mutated requests — methods,
 * every registered route with good and bad parameters, SDK OData URLs with mutations, credential and
 * signature headers, content types and bodies. Phase 1 uses only credentials with no right to change
 * anything (none, garbage, a read-only key) and asserts that the whole data set is unchanged;
 * phase 2 fuzzes with an administrator session (no data assertion: it may legitimately write).
 * Seeded, so a failure reproduces; fast-check shrinks it to a minimal request.
 */

const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'] as const;
const ODATA_CHARS = [..."()'$&=,/;% eqandorntlgdsubstringofcontainsanyall:0123456789-_.~*@\u00e9\u0000\n"];

const garbage = fc.string({ unit: 'binary', maxLength: 80 });
const odataChar = fc.constantFrom(...ODATA_CHARS);

/** One mutation of a URL: delete, insert, duplicate or percent-mangle a piece. */
const mutate = (url: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.nat({ max: Math.max(0, url.length) }),
      fc.nat({ max: 12 }),
      odataChar,
      fc.constantFrom(0, 1, 2, 3, 4),
    )
    .map(([at, len, ch, op]) => {
      if (op === 0) return url.slice(0, at) + url.slice(at + len);
      if (op === 1) return url.slice(0, at) + ch.repeat(len + 1) + url.slice(at);
      if (op === 2) return url.slice(0, at + len) + url.slice(at, at + len) + url.slice(at + len);
      if (op === 3) return `${url.slice(0, at)}%${ch}${url.slice(at)}`;
      return `${url}${url.includes('?') ? '&' : '?'}$filter=${encodeURIComponent(ch.repeat(len))}`;
    });

function pathArb(routes: readonly { method: string; url: string }[]): fc.Arbitrary<string> {
  const param = fc.oneof(
    fc.integer({ min: -5, max: 50 }).map(String),
    fc.constantFrom(
      '0',
      '2147483648',
      '99999999999999999999',
      'abc',
      '%00',
      '..',
      "1'",
      '0123456789abcdef0123456789abcdef',
    ),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 40 }),
  );
  const fromRoute = fc
    .tuple(fc.constantFrom(...routes.map((r) => r.url)), fc.array(param, { minLength: 6, maxLength: 6 }))
    .map(([url, values]) => {
      let i = 0;
      return url
        .replace(/:[A-Za-z]+/g, () => encodeURIComponent(values[i++] ?? '1'))
        .replace('*', 'application');
    });
  const sdkUrl = fc.constantFrom(...CAPTURED_URLS);
  return fc.oneof(
    fromRoute,
    sdkUrl,
    sdkUrl.chain(mutate),
    sdkUrl.chain(mutate).chain(mutate),
    fc.array(odataChar, { maxLength: 60 }).map((cs) => `/v7/device?$filter=${cs.join('')}`),
    garbage.map((g) => `/${encodeURIComponent(g)}`),
    fc.constantFrom(
      '/v7/',
      '/v7',
      '/v7/device(',
      "/v7/device(uuid='",
      '/v7/$metadata',
      '/v7/device/$count/$count',
      '//v7//device',
      '/v7/device?$top=-1&$skip=1e99',
    ),
  );
}

const headerArb = (readOnlyKey: string): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    {
      authorization: fc.oneof(
        fc.constant(`Bearer ${readOnlyKey}`),
        garbage.map((g) => `Bearer ${g.replace(/[^\x21-\x7e]/g, 'x') || 'x'}`),
        fc.constantFrom(
          'Bearer',
          'Basic YWRtaW46YWRtaW4=',
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.eyJpZCI6MX0.',
          `Bearer ${readOnlyKey.slice(0, -1)}x`,
        ),
      ),
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/xml',
        'multipart/form-data',
        'x/y;;',
        '',
      ),
      'signature-input': fc.oneof(
        garbage.map((g) => g.replace(/[^\x20-\x7e]/g, '')),
        fc.constantFrom(
          'sig1=("@method" "@authority" "@path");created=1768478400;keyid="x";nonce="nnnnnnnnnn"',
          'sig1=();created=1',
          'sig1=("@query-param";name="a")',
          `sig1=("@method");keyid="${readOnlyKey.split('_')[2] ?? 'x'}";created=1768478400;nonce="aaaaaaaaaa"`,
        ),
      ),
      signature: fc.constantFrom('sig1=:AAAA:', `sig1=:${'A'.repeat(86)}==:`, 'garbage', 'sig1=?1'),
      'content-digest': fc.constantFrom('sha-256=:AAAA:', 'sha-512=:x:', 'md5=:AA==:', '???'),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1'),
      accept: fc.constantFrom('application/json', '*/*', 'text/html'),
    },
    { requiredKeys: [] },
  );

const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 4 }),
  garbage,
  fc.nat({ max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.constantFrom(
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    'null',
    '"str"',
    '1e999',
    '{"app_name":"x","organization":1}',
  ),
);

describe.each(dialects())('fuzz: bad input never yields a 5xx (%s)', (dialect) => {
  let t: TestApp;
  let world: LimitsWorld;
  let routes: readonly { method: string; url: string }[];
  beforeAll(async () => {
    t = await createTestApp(dialect);
    world = await buildLimitsWorld(t);
    routes = t.app.mooring.routes;
  });
  afterAll(async () => t?.close());

  const requestArb = (headers: fc.Arbitrary<Record<string, string>>) =>
    fc.record({ method: fc.constantFrom(...METHODS), url: pathArb(routes), headers, body: bodyArb });

  async function send(r: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string | undefined;
  }) {
    if (r.url.startsWith('/mooring/v1/events/stream')) {
      // An accepted event stream never ends: its status is known once the headers are out.
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: r.url,
        headers: r.headers,
        payloadAsStream: true,
      });
      res.stream().destroy();
      return res.statusCode;
    }
    const res = await t.app.inject({
      method: r.method as 'GET',
      url: r.url,
      headers: r.headers,
      ...(r.body === undefined || r.method === 'GET' || r.method === 'HEAD' ? {} : { payload: r.body }),
    });
    return res.statusCode;
  }

  it('without any right to change data: no 5xx, and the data set is unchanged', async () => {
    const before = await snapshotAll(t);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArb(headerArb(world.keys.memberRead)), async (r) => {
        const status = await send(r);
        seen.set(status, (seen.get(status) ?? 0) + 1);
        expect(status, `${r.method} ${r.url}`).toBeGreaterThanOrEqual(200);
        expect(status, `${r.method} ${r.url}`).toBeLessThan(500);
      }),
      { numRuns: 2500, seed: 0x6d6f6f72 },
    );
    expect(await snapshotAll(t)).toEqual(before);
    // The run exercised refusals of every kind, not one path only.
    for (const status of [200, 400, 401, 404])
      expect(seen.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(200);
  });

  it('as an administrator: no 5xx either', async () => {
    const admin = fc
      .record({ authorization: fc.constant(`Bearer ${world.admin}`) })
      .chain((auth) =>
        headerArb(world.keys.memberRead).map(
          ({ authorization: _a, 'signature-input': _s, signature: _g, ...rest }) => ({ ...rest, ...auth }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(requestArb(admin), async (r) => {
        const status = await send(r);
        expect(status, `${r.method} ${r.url}`).toBeLessThan(500);
      }),
      { numRuns: 1000, seed: 0x6b657973 },
    );
    expect((await t.app.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(200);
  });
});
