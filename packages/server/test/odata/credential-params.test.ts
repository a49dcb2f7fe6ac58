import { describe, expect, it } from 'vitest';
import { withoutCredentialParams } from '../../src/odata/credential-params.js';
import { PlanCache } from '../../src/odata/plan-cache.js';
import { ReadPlanner } from '../../src/odata/read-planner.js';
import { createTestDatabase } from '../support/databases.js';

describe('credential query parameters stay out of the read path cache', () => {
  it('strips apikey and auth_token, also percent-encoded names, and keeps everything else', () => {
    expect(withoutCredentialParams('/device?$select=id&apikey=mk_u_x')).toBe('/device?$select=id');
    expect(withoutCredentialParams('/device?apikey=k&$filter=id%20eq%201')).toBe(
      '/device?$filter=id%20eq%201',
    );
    expect(withoutCredentialParams('/device?auth_token=a.b.c')).toBe('/device');
    expect(withoutCredentialParams('/device?api%6Bey=k&$top=1')).toBe('/device?$top=1');
    expect(withoutCredentialParams('/device(1)?$select=apikey_like')).toBe('/device(1)?$select=apikey_like');
    expect(withoutCredentialParams('/device?$filter=name%20eq%20%27apikey%27')).toBe(
      '/device?$filter=name%20eq%20%27apikey%27',
    );
    expect(withoutCredentialParams('/device')).toBe('/device');
    // A credential after percent-encoded values, an encoded name after plain ones, names only.
    expect(withoutCredentialParams('/device?$filter=uuid%20eq%20%27a%27&apikey=k')).toBe(
      '/device?$filter=uuid%20eq%20%27a%27',
    );
    expect(withoutCredentialParams('/device?$top=1&%61pikey=k')).toBe('/device?$top=1');
    expect(withoutCredentialParams('/device?apikey')).toBe('/device');
    expect(withoutCredentialParams('/device?$select=id&auth_token=')).toBe('/device?$select=id');
    // Between other parameters; empty parameters are kept as they were.
    expect(withoutCredentialParams('/device?$top=1&apikey=k&$skip=2')).toBe('/device?$top=1&$skip=2');
    expect(withoutCredentialParams('/device?$top=1&&apikey=k')).toBe('/device?$top=1&');
    expect(withoutCredentialParams('/device?apikeys=1&xapikey=2&auth_tokens=3')).toBe(
      '/device?apikeys=1&xapikey=2&auth_tokens=3',
    );
  });

  it('one URL polled with many different ?apikey= values is parsed once', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const planner = new ReadPlanner(new PlanCache(database.db), 'sqlite');
      for (const key of ['mk_u_a', 'mk_u_b', 'mk_u_c']) {
        planner.prepare(`/device_type?$select=slug&apikey=${key}`, null);
      }
      expect(planner.urlMisses).toBe(1);
    } finally {
      await database.destroy();
    }
  });
});
