import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looseDb } from '../api-keys/support.js';
import { dialects } from '../support/databases.js';
import {
  adminToken,
  createDevice,
  createFleet,
  type DeviceFixture,
  encodeUrl,
  request,
} from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 18 §4: a write changes exactly the rows its key or `$filter` selects. Options it would not
 * honour exactly (`$top`, `$skip`, `$orderby`, `$select`, `$expand`; any option on POST and PUT) are a
 * 400 naming the option, and nothing is written.
 */
describe.each(dialects())('query options on writes (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let device: DeviceFixture;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await adminToken(t);
    const fleet = await createFleet(t, admin, { app_name: 'writeopts', organization: 1 });
    device = await createDevice(t, admin, { fleet: fleet.id, device_name: 'tagged' });
    for (const key of ['a', 'b', 'c', 'd']) {
      const res = await request(t.app, 'POST', '/v7/device_tag', admin, {
        device: device.id,
        tag_key: key,
        value: 'v',
      });
      expect(res.status, res.body).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const tags = async (): Promise<{ tag_key: unknown; value: unknown }[]> =>
    looseDb(t)
      .selectFrom('device_tag')
      .select(['tag_key', 'value'])
      .where('device', '=', device.id)
      .orderBy('tag_key')
      .execute();
  const all = [
    { tag_key: 'a', value: 'v' },
    { tag_key: 'b', value: 'v' },
    { tag_key: 'c', value: 'v' },
    { tag_key: 'd', value: 'v' },
  ];

  const options: readonly [string, string][] = [
    ['$top', '$top=1'],
    ['$skip', '$skip=1'],
    ['$orderby', '$orderby=tag_key desc'],
    ['$select', '$select=id'],
    ['$expand', '$expand=device'],
  ];

  it.each(options)('DELETE with %s is refused, naming it, and deletes nothing', async (name, option) => {
    const res = await request(
      t.app,
      'DELETE',
      encodeUrl(`/v7/device_tag?$filter=device eq ${device.id}&${option}`),
      admin,
    );
    expect(res.status).toBe(400);
    expect(res.json).toBe(
      `${name} is not supported on DELETE: it changes every row the key or $filter selects`,
    );
    expect(await tags()).toEqual(all);
  });

  it.each(options)('PATCH with %s is refused, naming it, and changes nothing', async (name, option) => {
    for (const target of [`/v7/device_tag?$filter=device eq ${device.id}&`, '/v7/device_tag(1)?']) {
      const res = await request(t.app, 'PATCH', encodeUrl(`${target}${option}`), admin, { value: 'x' });
      expect(res.status).toBe(400);
      expect(res.json).toContain(`${name} is not supported on PATCH`);
    }
    expect(await tags()).toEqual(all);
  });

  it.each([...options, ['$filter', `$filter=id eq 1`]])(
    'POST with %s is refused and creates nothing',
    async (name, option) => {
      const res = await request(t.app, 'POST', encodeUrl(`/v7/device_tag?${option}`), admin, {
        device: device.id,
        tag_key: 'new',
        value: 'v',
      });
      expect(res.status).toBe(400);
      expect(res.json).toBe(`${name} is not supported on POST`);
      expect(await tags()).toEqual(all);
    },
  );

  it('still writes what a key or $filter alone selects, and the refusal is a 400 for any credential', async () => {
    const patched = await request(
      t.app,
      'PATCH',
      encodeUrl(`/v7/device_tag?$filter=device eq ${device.id} and tag_key eq 'b'`),
      admin,
      { value: 'w' },
    );
    expect(patched.status).toBe(200);
    const unauthenticated = await request(t.app, 'DELETE', encodeUrl('/v7/device_tag?$top=1'));
    expect(unauthenticated.status).toBe(400);
    expect(await tags()).toEqual([all[0], { tag_key: 'b', value: 'w' }, all[2], all[3]]);
    const removed = await request(
      t.app,
      'DELETE',
      encodeUrl(`/v7/device_tag?$filter=device eq ${device.id} and tag_key in ('c','d')`),
      admin,
    );
    expect(removed.status).toBe(200);
    expect((await tags()).map((r) => r.tag_key)).toEqual(['a', 'b']);
  });
});
