import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { adminToken, createDevice, createFleet, type FleetFixture } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Queries written by form encoders (JavaScript's URLSearchParams here; Python's urlencode and Go's
 * url.Values write the same `+` for a space), over real HTTP. As in balena's parser, `+` is a space
 * outside string literals and a plus inside them: form-encoding `'my device'` asks for `my+device`.
 */
describe.each(dialects())('form-encoded OData queries over HTTP (%s)', (dialect) => {
  let t: TestApp;
  let base: string;
  let token: string;
  let fleet: FleetFixture;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    token = await adminToken(t);
    fleet = await createFleet(t, token, { app_name: 'formfleet', organization: 1 });
    for (const name of ['my device', 'my+device', 'other', 'zeta'])
      await createDevice(t, token, { fleet: fleet.id, device_name: name });
  });
  afterAll(async () => t?.close());

  const send = async (method: string, query: string, body?: unknown): Promise<Response> =>
    fetch(`${base}/v7/device?${query}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const names = async (query: string): Promise<string[]> => {
    const res = await send('GET', query);
    const text = await res.text();
    expect(res.status, `${query}: ${text}`).toBe(200);
    return (JSON.parse(text) as { d: { device_name: string }[] }).d.map((d) => d.device_name);
  };

  const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

  it('answers a URLSearchParams query (`$` as %24, spaces as +) as the same query with %20', async () => {
    const query = form({
      $select: 'device_name',
      $filter: `belongs_to__application eq ${fleet.id} and device_name ne 'other'`,
      $orderby: 'device_name desc',
      $top: '2',
    });
    expect(query).toContain('+eq+');
    expect(query.startsWith('%24select=')).toBe(true);
    expect(await names(query)).toEqual(['zeta', 'my+device']);
    expect(await names(query.replaceAll('+', '%20'))).toEqual(['zeta', 'my+device']);
  });

  it('keeps + inside a string literal a plus, as balena does; %20 there is the space', async () => {
    const filter = (literal: string): string =>
      `%24select=device_name&%24filter=belongs_to__application+eq+${fleet.id}+and+device_name+eq+${literal}`;
    const plusForm = filter(`'${form({ x: 'my device' }).slice(2)}'`);
    const spaceForm = filter(`'${encodeURIComponent('my device')}'`);
    const encodedPlus = filter(`'${encodeURIComponent('my+device')}'`);
    expect(plusForm).toContain("'my+device'");
    // Alternating, so each answer also comes from the read path's cache of the URL and of the plan.
    for (let round = 0; round < 2; round++) {
      expect(await names(plusForm)).toEqual(['my+device']);
      expect(await names(spaceForm)).toEqual(['my device']);
      expect(await names(encodedPlus)).toEqual(['my+device']);
    }
  });

  it('counts and writes with form-encoded filters', async () => {
    const count = await fetch(
      `${base}/v7/device/$count?${form({ $filter: `belongs_to__application eq ${fleet.id} and startswith(device_name,'my')` })}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await count.json()).toEqual({ d: 2 });
    const patched = await send(
      'PATCH',
      form({ $filter: `belongs_to__application eq ${fleet.id} and device_name eq 'zeta'` }),
      { note: 'from a form' },
    );
    expect(patched.status, await patched.text()).toBe(200);
    const notes = await send(
      'GET',
      form({
        $select: 'device_name,note',
        $filter: `belongs_to__application eq ${fleet.id} and note ne null`,
      }),
    );
    expect(await notes.json()).toEqual({ d: [{ device_name: 'zeta', note: 'from a form' }] });
  });

  it('refuses a malformed form-encoded filter with 400, not 500', async () => {
    const res = await send('GET', form({ $filter: "device_name eq 'unterminated" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatch(/unterminated string literal/);
  });
});
