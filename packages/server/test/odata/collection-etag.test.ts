import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTable } from '../../src/db/migrations/support.js';
import { foldTableVersions, untrackedTables } from '../../src/db/table-versions.js';
import { namedKey } from '../api-keys/support.js';
import {
  DEFAULT_TIMEOUT_MS,
  fleetWithKey,
  MANUAL_HEARTBEAT_ENV,
  poll,
  type RegisteredDevice,
  register,
} from '../devices/support.js';
import { dialects } from '../support/databases.js';
import {
  addMember,
  adminToken,
  createDeviceEnvVar,
  createUser,
  encodeUrl,
  type FleetFixture,
  request,
} from '../support/fleet-fixtures.js';
import { createTestApp, loginAs, type TestApp } from '../support/test-app.js';

interface Read {
  readonly status: number;
  readonly etag: string | undefined;
  readonly cacheControl: string | undefined;
  readonly body: string;
}

/**
 * ETags of `/v7` reads (docs/caching.md): every kind of change that could alter an answer moves its
 * tag; an unchanged answer keeps it and a conditional read of it is 304; principals never share tags.
 */
describe.each(dialects())('ETags of /v7 reads (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  let alice: { id: number; session: string; key: string };
  let bob: string;
  let fleet: FleetFixture;
  let other: FleetFixture;
  let provisioningKey: string;
  let d1: RegisteredDevice;
  let d2: RegisteredDevice;
  let outsider: RegisteredDevice;
  let statusUrl: string;

  const read = async (
    url: string,
    token: string,
    ifNoneMatch?: string,
    method: 'GET' | 'HEAD' = 'GET',
  ): Promise<Read> => {
    const res = await t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) },
    });
    const etag = res.headers.etag;
    const cacheControl = res.headers['cache-control'];
    return {
      status: res.statusCode,
      etag: typeof etag === 'string' ? etag : undefined,
      cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined,
      body: res.body,
    };
  };

  /** The current tag of `url` for `token`, after checking the answer is a tagged 200. */
  const tagOf = async (url: string, token = alice.session): Promise<string> => {
    const res = await read(url, token);
    expect(res.status, res.body).toBe(200);
    expect(res.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    return res.etag as string;
  };

  /** `change` moves the tag of `url`, and a conditional read with the old tag answers the new data. */
  const expectMoves = async (url: string, change: () => Promise<void>, token = alice.session) => {
    const before = await tagOf(url, token);
    expect((await read(url, token, before)).status).toBe(304);
    await change();
    const after = await read(url, token, before);
    expect(after.status, after.body).toBe(200);
    expect(after.etag).not.toBe(before);
    return after;
  };

  const patch = async (url: string, body: Record<string, unknown>): Promise<void> => {
    const res = await request(t.app, 'PATCH', url, admin, body);
    expect(res.status, res.body).toBe(200);
  };

  beforeAll(async () => {
    t = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV);
    admin = await adminToken(t);
    const a = await createUser(t, admin, 'alice');
    const b = await createUser(t, admin, 'bob');
    const session = await loginAs(t.app, 'alice', a.password);
    alice = { id: a.id, session, key: await namedKey(t, session, {}) };
    bob = await loginAs(t.app, 'bob', b.password);
    const f = await fleetWithKey(t, admin);
    fleet = f.fleet;
    provisioningKey = f.provisioningKey;
    const o = await fleetWithKey(t, admin);
    other = o.fleet;
    // Fleets of organization 1 (the admin's): alice sees them through membership of organization 1.
    await addMember(t, admin, 1, a.id);
    await addMember(t, admin, 1, b.id);
    d1 = await register(t.app, provisioningKey, fleet.id);
    d2 = await register(t.app, provisioningKey, fleet.id);
    outsider = await register(t.app, o.provisioningKey, other.id);
    statusUrl = encodeUrl(
      `/v7/device?$filter=belongs_to__application eq ${fleet.id}` +
        '&$select=uuid,is_online,api_heartbeat_state,mooring_last_heartbeat_at&$orderby=id asc',
    );
  });
  afterAll(async () => t?.close());

  it('keeps the tag of an unchanged answer and answers 304 to it, as a list, weak or *', async () => {
    const first = await read(statusUrl, alice.session);
    expect(first.status).toBe(200);
    expect(first.cacheControl).toBe('private, no-cache');
    const second = await read(statusUrl, alice.session);
    expect(second.etag).toBe(first.etag);
    expect(second.body).toBe(first.body);
    const tag = first.etag as string;
    for (const header of [tag, `W/${tag}`, `"nope", ${tag}`, '*']) {
      const res = await read(statusUrl, alice.session, header);
      expect(res.status, header).toBe(304);
      expect(res.body).toBe('');
      expect(res.etag).toBe(tag);
      expect(res.cacheControl).toBe('private, no-cache');
    }
    expect((await read(statusUrl, alice.session, '"nope"')).status).toBe(200);
  });

  it('answers HEAD with the same tag and no body, and 304 to a current tag', async () => {
    const tag = await tagOf(statusUrl);
    const head = await read(statusUrl, alice.session, undefined, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.etag).toBe(tag);
    expect(head.body).toBe('');
    expect((await read(statusUrl, alice.session, tag, 'HEAD')).status).toBe(304);
  });

  it('gives other principals other tags, and ignores where the key was sent', async () => {
    const session = await tagOf(statusUrl, alice.session);
    const key = await tagOf(statusUrl, alice.key);
    const bobs = await tagOf(statusUrl, bob);
    expect(new Set([session, key, bobs]).size).toBe(3);
    // Same answer for bob, still not alice's tag: a tag is no proof that another principal may read.
    expect((await read(statusUrl, bob, session)).status).toBe(200);
    const viaQuery = await t.app.inject({
      method: 'GET',
      url: `${statusUrl}&apikey=${encodeURIComponent(alice.key)}`,
    });
    expect(viaQuery.statusCode).toBe(200);
    expect(viaQuery.headers.etag).toBe(key);
    expect(await tagOf(`${statusUrl}&$top=5`)).not.toBe(session);
  });

  it('moves when a heartbeat changes status and last heartbeat, and when the device times out', async () => {
    const online = await expectMoves(statusUrl, async () => {
      expect((await poll(t.app, d1)).status).toBe(200);
      await t.app.devices.heartbeats.flush();
    });
    expect(online.body).toContain('"api_heartbeat_state":"online"');
    // A later heartbeat of an online device only moves its last heartbeat: still a new tag.
    t.clock.set(t.clock.now() + 60_000);
    await expectMoves(statusUrl, async () => {
      await poll(t.app, d1);
      await t.app.devices.heartbeats.flush();
    });
    // Time passing alone changes nothing in the answer, so it keeps its tag ...
    const before = await read(statusUrl, alice.session);
    t.clock.set(t.clock.now() + DEFAULT_TIMEOUT_MS + 1000);
    const later = await read(statusUrl, alice.session, before.etag);
    expect(later.status).toBe(304);
    // ... until the sweep writes the timeout: the device timed out without writing anything itself.
    const timedOut = await expectMoves(statusUrl, async () => {
      expect((await t.app.devices.heartbeats.sweep()).timeouts).toBe(1);
    });
    expect(timedOut.body).toContain('"api_heartbeat_state":"timeout"');
    expect(timedOut.body).toContain('"is_online":false');
  });

  it('moves on insert, update and delete of a selected row', async () => {
    let d3: RegisteredDevice | undefined;
    const inserted = await expectMoves(statusUrl, async () => {
      d3 = await register(t.app, provisioningKey, fleet.id);
    });
    expect(inserted.body).toContain((d3 as RegisteredDevice).uuid);
    const nameUrl = encodeUrl(
      `/v7/device?$filter=belongs_to__application eq ${fleet.id}&$select=device_name`,
    );
    const renamed = await expectMoves(nameUrl, () =>
      patch(`/v7/device(${d2.id})`, { device_name: 'renamed' }),
    );
    expect(renamed.body).toContain('renamed');
    const deleted = await expectMoves(statusUrl, async () => {
      const res = await request(t.app, 'DELETE', `/v7/device(${(d3 as RegisteredDevice).id})`, admin);
      expect(res.status).toBe(200);
    });
    expect(deleted.body).not.toContain((d3 as RegisteredDevice).uuid);
  });

  it('moves when a row enters or leaves the filter', async () => {
    const entered = await expectMoves(statusUrl, () =>
      patch(`/v7/device(${outsider.id})`, { belongs_to__application: fleet.id }),
    );
    expect(entered.body).toContain(outsider.uuid);
    const left = await expectMoves(statusUrl, () =>
      patch(`/v7/device(${outsider.id})`, { belongs_to__application: other.id }),
    );
    expect(left.body).not.toContain(outsider.uuid);
  });

  it('moves when the principal loses or regains the right to read', async () => {
    const removed = await expectMoves(statusUrl, async () => {
      const res = await request(t.app, 'DELETE', `/mooring/v1/organizations/1/members/${alice.id}`, admin);
      expect(res.status, res.body).toBe(204);
    });
    expect(JSON.parse(removed.body)).toEqual({ d: [] });
    const back = await expectMoves(statusUrl, () => addMember(t, admin, 1, alice.id));
    expect(back.body).toContain(d1.uuid);
  });

  it('moves when a table reached through $expand changes', async () => {
    const fleetUrl = encodeUrl(
      `/v7/application(${fleet.id})?$select=app_name&$expand=owns__device($select=device_name;$orderby=id asc)`,
    );
    const res = await expectMoves(fleetUrl, () => patch(`/v7/device(${d1.id})`, { device_name: 'expanded' }));
    expect(res.body).toContain('expanded');
    const tagsUrl = encodeUrl(`/v7/device(${d1.id})?$select=uuid&$expand=device_tag($select=tag_key,value)`);
    const tagged = await expectMoves(tagsUrl, async () => {
      const created = await request(t.app, 'POST', '/v7/device_tag', admin, {
        device: d1.id,
        tag_key: 'room',
        value: 'attic',
      });
      expect(created.status, created.body).toBe(201);
    });
    expect(tagged.body).toContain('attic');
    // A count is an answer too.
    const countUrl = encodeUrl(`/v7/device/$count?$filter=belongs_to__application eq ${fleet.id}`);
    await expectMoves(countUrl, async () => {
      await register(t.app, provisioningKey, fleet.id);
    });
  });

  it('tags an empty answer too, and moves it when the first row arrives', async () => {
    // On PostgreSQL a plain read takes the counters in the data's statement; with no row to carry
    // them it reads them on their own, before the data again.
    const { fleet: empty, provisioningKey: emptyKey } = await fleetWithKey(t, admin);
    const emptyUrl = encodeUrl(`/v7/device?$filter=belongs_to__application eq ${empty.id}&$select=uuid`);
    const first = await read(emptyUrl, admin);
    expect(first.body).toBe('{"d":[]}');
    expect(await tagOf(emptyUrl, admin)).toBe(first.etag);
    const arrived = await expectMoves(
      emptyUrl,
      async () => {
        await register(t.app, emptyKey, empty.id);
      },
      admin,
    );
    expect(JSON.parse(arrived.body).d).toHaveLength(1);
  });

  it('never hands out a tag that a later conditional read takes for newer data', async () => {
    const nameUrl = encodeUrl(`/v7/device(${d2.id})?$select=device_name`);
    const rename = (name: string) =>
      sql`UPDATE device SET device_name = ${name} WHERE id = ${d2.id}`.execute(t.ctx.db.kysely);
    let conditionalHits = 0;
    for (let i = 0; i < 40; i++) {
      // Writes committing while the plain read runs, on other connections (PostgreSQL) or between
      // its steps (SQLite).
      const [plain] = await Promise.all([
        read(nameUrl, admin),
        ...Array.from({ length: 4 }, (_, j) => rename(`race-${i}-${j}`)),
      ]);
      expect(plain.status, plain.body).toBe(200);
      const conditional = await read(nameUrl, admin, plain.etag);
      const current = await read(nameUrl, admin);
      // 304 promises that the answer the tag came with is still the current one.
      if (conditional.status === 304) {
        conditionalHits++;
        expect(current.body, `round ${i}`).toBe(plain.body);
      } else expect(conditional.body).toBe(current.body);
    }
    console.info(`tag race: ${conditionalHits} of 40 plain reads were still current`);
  });

  it('never tags or stores reads of variables (they carry secrets)', async () => {
    await createDeviceEnvVar(t, admin, d1.id, 'SECRET', 'hunter2');
    for (const url of [
      '/v7/device_environment_variable?$select=name,value',
      encodeUrl(`/v7/device(${d1.id})?$select=uuid&$expand=device_environment_variable($select=value)`),
    ]) {
      const res = await read(url, admin);
      expect(res.status, res.body).toBe(200);
      expect(res.body).toContain('hunter2');
      expect(res.etag, url).toBeUndefined();
      expect(res.cacheControl).toBe('no-store');
    }
  });

  it('gives every table a change counter, and notices a table without one', async () => {
    const db = t.ctx.db;
    expect(await untrackedTables(db)).toEqual([]);
    await sql`CREATE TABLE etag_probe (id integer PRIMARY KEY, note text)`.execute(db.kysely);
    try {
      expect(await untrackedTables(db)).toEqual(['etag_probe']);
      await trackTable(db.kysely, 'etag_probe');
      expect(await untrackedTables(db)).toEqual([]);
      const counter = async (): Promise<number> =>
        Number(
          (
            await sql<{
              v: number;
            }>`SELECT sum(version) AS v FROM table_version WHERE name = 'etag_probe'`.execute(db.kysely)
          ).rows[0]?.v,
        );
      const steps = [
        sql`INSERT INTO etag_probe (id, note) VALUES (1, 'a')`,
        sql`UPDATE etag_probe SET note = 'b'`,
        sql`DELETE FROM etag_probe`,
      ];
      for (const step of steps) {
        const before = await counter();
        await step.execute(db.kysely);
        expect(await counter()).toBeGreaterThan(before);
      }
    } finally {
      await sql`DROP TABLE etag_probe`.execute(db.kysely);
      await sql`DELETE FROM table_version WHERE name = 'etag_probe'`.execute(db.kysely);
    }
  });

  it('starts a new epoch on every start, so a restored database never repeats a tag', async () => {
    const before = await tagOf(statusUrl, alice.key);
    const again = await createTestApp(dialect, MANUAL_HEARTBEAT_ENV, {
      database: t.database,
      clock: t.clock,
      logs: t.logs,
    });
    try {
      const res = await again.app.inject({
        method: 'GET',
        url: statusUrl,
        headers: { authorization: `Bearer ${alice.key}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).not.toBe(before);
      // Both instances now issue the same tag for the same answer.
      expect(await tagOf(statusUrl, alice.key)).toBe(res.headers.etag);
    } finally {
      await again.app.close();
    }
  });

  it('moves when another connection commits a change (another process on the file, `mooring admin`)', async () => {
    const nameUrl = encodeUrl(
      `/v7/device?$filter=belongs_to__application eq ${fleet.id}&$select=device_name`,
    );
    const other = t.database.reopen();
    try {
      for (const name of ['written elsewhere', 'and again']) {
        const moved = await expectMoves(nameUrl, async () => {
          await sql`UPDATE device SET device_name = ${name} WHERE id = ${d1.id}`.execute(other.kysely);
        });
        expect(moved.body).toContain(name);
      }
    } finally {
      await other.close();
    }
  });

  // SQLite only: there a read shares the connection of a transaction in progress.
  if (dialect === 'sqlite')
    it('tags nothing read while a transaction is open on the connection', async () => {
      const rollback = new Error('roll back');
      await expect(
        t.ctx.db.kysely.transaction().execute(async (trx) => {
          await trx
            .updateTable('device')
            .set({ device_name: 'uncommitted' })
            .where('id', '=', d1.id)
            .execute();
          const res = await read(statusUrl, alice.session);
          expect(res.status).toBe(200);
          expect(res.etag).toBeUndefined();
          expect(res.cacheControl).toBe('no-store');
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      await tagOf(statusUrl);
    });

  // PostgreSQL only: SQLite keeps one counter row per table, nothing to fold.
  if (dialect === 'postgres')
    it('keeps tags when the counters of ended connections are folded', async () => {
      const other = t.database.reopen();
      await sql`UPDATE device SET device_name = 'from another connection' WHERE id = ${d2.id}`.execute(
        other.kysely,
      );
      await other.close();
      const before = await tagOf(statusUrl);
      let folded = 0;
      // The ended backend leaves pg_stat_activity shortly after the connection closes.
      for (let i = 0; i < 50 && folded === 0; i++) {
        folded = await foldTableVersions(t.ctx.db);
        if (folded === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(folded).toBeGreaterThan(0);
      expect(await tagOf(statusUrl)).toBe(before);
      expect((await read(statusUrl, alice.session, before)).status).toBe(304);
    });
});
