import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUsage } from '../../src/api-keys/usage.repository.js';
import { UsageTracker } from '../../src/api-keys/usage-tracker.js';
import { dialects } from '../support/databases.js';
import { createUser } from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/*
 * Issue 23, per-key usage: requests per UTC day (fed by the usage tracker's flush, 90 days kept) and
 * the last use, for keys the caller may read; any other key id is a 404 like a missing one.
 */

const DAY = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Usage {
  keyId: number;
  lastUsedAt: string | null;
  total: number;
  days: { day: string; requests: number }[];
}

describe.each(dialects())('key usage (%s)', (dialect) => {
  let t: TestApp;
  let session: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => t.close());

  const get = (url: string, token: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  async function namedKey(token: string, name: string): Promise<{ key: string; id: number }> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(token),
      payload: { name, expiryDate: null },
    });
    expect(res.statusCode, res.body).toBe(200);
    const row = await t.ctx.db.kysely
      .selectFrom('api_key')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return { key: JSON.parse(res.body) as string, id: Number(row.id) };
  }

  async function use(key: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) expect((await get('/actor/v1/whoami', key)).statusCode).toBe(200);
  }

  it('counts requests per UTC day across flushes, zero-fills the window and reports the last use', async () => {
    const { key, id } = await namedKey(session, 'counted');
    const fresh = (await get(`/mooring/v1/keys/${id}/usage?days=3`, session)).json() as Usage;
    expect(fresh.lastUsedAt).toBeNull();
    expect(fresh.days.map((d) => d.requests)).toEqual([0, 0, 0]);

    const first = t.clock.now();
    await use(key, 3);
    await t.app.mooring.usage.flush();
    await use(key, 2); // same day, a second flush adds to the row
    await t.app.mooring.usage.flush();
    t.clock.advance(DAY);
    await use(key, 4);
    await t.app.mooring.usage.flush();

    const res = await get(`/mooring/v1/keys/${id}/usage?days=3`, session);
    expect(res.statusCode, res.body).toBe(200);
    const usage = res.json() as Usage;
    expect(usage.keyId).toBe(id);
    expect(usage.days).toEqual([
      { day: utcDay(first - DAY), requests: 0 },
      { day: utcDay(first), requests: 5 },
      { day: utcDay(first + DAY), requests: 4 },
    ]);
    expect(usage.total).toBe(9);
    expect(usage.lastUsedAt).toBe(new Date(t.clock.now()).toISOString());

    // Default window 30 days, today last; `days=1` is today alone. The session's own requests are
    // not a key's and count nowhere.
    const month = (await get(`/mooring/v1/keys/${id}/usage`, session)).json() as Usage;
    expect(month.days).toHaveLength(30);
    expect(month.days.at(-1)).toEqual({ day: utcDay(t.clock.now()), requests: 4 });
    expect(((await get(`/mooring/v1/keys/${id}/usage?days=1`, session)).json() as Usage).total).toBe(4);

    // A key reading its own usage is counted too (that request is a use like any other).
    expect((await get(`/mooring/v1/keys/${id}/usage?days=1`, key)).statusCode).toBe(200);
    await t.app.mooring.usage.flush();
    expect(((await get(`/mooring/v1/keys/${id}/usage?days=1`, session)).json() as Usage).total).toBe(5);
  });

  it('answers 400 for a days value outside 1..90 or not an integer', async () => {
    const { id } = await namedKey(session, 'bounded');
    for (const days of ['0', '91', '-1', '1.5', 'abc', '']) {
      const res = await get(`/mooring/v1/keys/${id}/usage?days=${days}`, session);
      expect(res.statusCode, `days=${days}: ${res.body}`).toBe(400);
      expect((res.json() as { error: { code: string } }).error.code).toBe('validation');
    }
    for (const days of ['1', '90']) {
      expect((await get(`/mooring/v1/keys/${id}/usage?days=${days}`, session)).statusCode).toBe(200);
    }
  });

  it("is a 404 for another user's key, exactly like a key that does not exist", async () => {
    const { id: adminKey } = await namedKey(session, 'admins');
    const bob = await createUser(t, session, 'bob');
    const bobSession = await loginAs(t.app, bob.username, bob.password);
    const { key: bobKey, id: bobKeyId } = await namedKey(bobSession, 'bobs');

    const missing = await get('/mooring/v1/keys/999999/usage', bobSession);
    expect(missing.statusCode).toBe(404);
    for (const token of [bobSession, bobKey]) {
      const res = await get(`/mooring/v1/keys/${adminKey}/usage`, token);
      expect(res.statusCode, res.body).toBe(404);
      const { code, message } = (res.json() as { error: { code: string; message: string } }).error;
      expect({ code, message }).toEqual({
        code: (missing.json() as { error: { code: string } }).error.code,
        message: (missing.json() as { error: { message: string } }).error.message,
      });
    }
    expect((await get(`/mooring/v1/keys/${bobKeyId}/usage`, bobSession)).statusCode).toBe(200);
    // The instance administrator reads every key.
    expect((await get(`/mooring/v1/keys/${bobKeyId}/usage`, session)).statusCode).toBe(200);
  });

  it('prunes counts older than 90 days on flush; a key deleted before the flush adds nothing', async () => {
    const { key, id } = await namedKey(session, 'old');
    const { key: gone, id: goneId } = await namedKey(session, 'gone');
    await use(key, 2);
    await t.app.mooring.usage.flush();
    const rows = () =>
      t.ctx.db.kysely.selectFrom('api_key_usage').select(['api_key', 'day', 'requests']).execute();
    expect(await rows()).toHaveLength(1);

    await use(gone, 1);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v7/api_key(${goneId})`, headers: bearer(session) }))
        .statusCode,
    ).toBe(200);
    t.clock.advance(91 * DAY);
    await use(key, 1);
    await t.app.mooring.usage.flush(); // must not fail on the deleted key
    const left = await rows();
    expect(left.map((r) => ({ ...r, requests: Number(r.requests) }))).toEqual([
      { api_key: id, day: utcDay(t.clock.now()), requests: 1 },
    ]);
  });

  it('flushes many keys in batches; a deleted key in a batch drops only its own rows', async () => {
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await namedKey(session, `batch-${i}`));
    const [gone] = keys.splice(2, 1);
    const tracker = new UsageTracker(t.ctx.db, t.clock, 2);
    const uses = (i: number) => i + 1;
    for (const [i, k] of [...keys, gone].entries())
      for (let n = 0; n < uses(i); n++) tracker.record(k?.id ?? 0);
    // Yesterday too: one key with two days is two rows of a batch.
    t.clock.advance(-DAY);
    tracker.record(keys[0]?.id ?? 0);
    t.clock.advance(DAY);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v7/api_key(${gone?.id})`, headers: bearer(session) }))
        .statusCode,
    ).toBe(200);
    await tracker.flush();
    const rows = await t.ctx.db.kysely
      .selectFrom('api_key_usage')
      .select(['api_key', 'day', 'requests'])
      .orderBy('api_key')
      .orderBy('day')
      .execute();
    const today = utcDay(t.clock.now());
    expect(rows.map((r) => [Number(r.api_key), r.day, Number(r.requests)])).toEqual([
      [keys[0]?.id, utcDay(t.clock.now() - DAY), 1],
      [keys[0]?.id, today, 1],
      [keys[1]?.id, today, 2],
      [keys[2]?.id, today, 3],
      [keys[3]?.id, today, 4],
    ]);
    // The row-by-row path (taken when a key goes between the batch's two statements) skips it too.
    await addUsage(t.ctx.db, gone?.id ?? 0, today, 7);
    await addUsage(t.ctx.db, keys[1]?.id ?? 0, today, 7);
    expect(
      await t.ctx.db.kysely
        .selectFrom('api_key_usage')
        .select('api_key')
        .where('api_key', '=', gone?.id ?? 0)
        .execute(),
    ).toEqual([]);
    expect(((await get(`/mooring/v1/keys/${keys[1]?.id}/usage?days=1`, session)).json() as Usage).total).toBe(
      9,
    );
    // A second flush adds to the same rows.
    tracker.record(keys[3]?.id ?? 0);
    await tracker.flush();
    expect(((await get(`/mooring/v1/keys/${keys[3]?.id}/usage?days=1`, session)).json() as Usage).total).toBe(
      5,
    );
  });
});
