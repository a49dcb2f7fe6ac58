import { generateApiKey } from '@mooring/protocol';
import { sql } from 'kysely';
import { hashApiKey } from '../../src/api-keys/key-hash.js';
import { deviceTypeId, newUuid } from '../support/fleet-fixtures.js';
import type { TestApp } from '../support/test-app.js';
import type { RegisteredDevice } from './support.js';

/**
 * Many devices with real device keys, inserted in bulk (registering 10,000 devices one request at a
 * time would test registration, not heartbeats). Rows look exactly like registered ones.
 */
export async function seedDevices(t: TestApp, fleetId: number, count: number): Promise<RegisteredDevice[]> {
  const db = t.ctx.db.kysely;
  const typeId = await deviceTypeId(t, 'raspberrypi3');
  const now = t.clock.now();
  const out: RegisteredDevice[] = [];
  for (let start = 0; start < count; start += 500) {
    const n = Math.min(500, count - start);
    await db.transaction().execute(async (trx) => {
      const actors = await trx
        .insertInto('actor')
        .values(Array.from({ length: n }, () => ({ created_at: now })))
        .returning('id')
        .execute();
      const uuids = actors.map(() => newUuid());
      const devices = await trx
        .insertInto('device')
        .values(
          actors.map((actor, i) => ({
            created_at: now,
            modified_at: now,
            actor: actor.id,
            uuid: uuids[i] as string,
            device_name: `sim-${start + i}`,
            belongs_to__application: fleetId,
            is_of__device_type: typeId,
            os_version: null,
            os_variant: null,
            supervisor_version: null,
            mac_address: null,
            changed_api_heartbeat_state_on__date: null,
            last_connectivity_event: null,
            last_api_heartbeat_at: null,
            heartbeat_due_at: null,
          })),
        )
        .returning(['id', 'actor', 'uuid'])
        .execute();
      const keys = devices.map(() => generateApiKey('device'));
      await trx
        .insertInto('api_key')
        .values(
          devices.map((d, i) => {
            const key = keys[i] as ReturnType<typeof generateApiKey>;
            return {
              created_at: now,
              modified_at: now,
              is_of__actor: d.actor,
              kind: 'device' as const,
              public_id: key.publicId,
              key_hash: hashApiKey(t.ctx.keys.apiKeyPepper, key.key),
              display_prefix: key.publicId,
              name: null,
              description: null,
              expiry_date: null,
              scopes: null,
              fleet_ids: null,
              signing_alg: null,
              signing_secret: null,
              signing_public_key: null,
              last_used_at: null,
              rotated_to: null,
              created_by__actor: null,
            };
          }),
        )
        .execute();
      devices.forEach((d, i) => {
        out.push({ id: d.id, uuid: d.uuid, key: (keys[i] as { key: string }).key });
      });
    });
  }
  return out;
}

/**
 * Counts, inside the database, every device row update and every status event insert (test-only
 * triggers), so "writes per flush" is measured where the writes land, not by the code under test.
 */
export async function installWriteCounter(
  t: TestApp,
): Promise<() => Promise<{ deviceUpdates: number; events: number }>> {
  const db = t.ctx.db.kysely;
  await sql`CREATE TABLE hb_write_counter (kind varchar(16) PRIMARY KEY, n integer NOT NULL)`.execute(db);
  await sql`INSERT INTO hb_write_counter (kind, n) VALUES ('device', 0), ('event', 0)`.execute(db);
  if (t.ctx.db.dialect === 'postgres') {
    await sql`CREATE FUNCTION hb_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN UPDATE hb_write_counter SET n = n + 1 WHERE kind = TG_ARGV[0]; RETURN NULL; END $$`.execute(db);
    await sql`CREATE TRIGGER hb_count_device AFTER UPDATE ON device FOR EACH ROW EXECUTE FUNCTION hb_count('device')`.execute(
      db,
    );
    await sql`CREATE TRIGGER hb_count_event AFTER INSERT ON device_status_event FOR EACH ROW EXECUTE FUNCTION hb_count('event')`.execute(
      db,
    );
  } else {
    await sql`CREATE TRIGGER hb_count_device AFTER UPDATE ON device BEGIN UPDATE hb_write_counter SET n = n + 1 WHERE kind = 'device'; END`.execute(
      db,
    );
    await sql`CREATE TRIGGER hb_count_event AFTER INSERT ON device_status_event BEGIN UPDATE hb_write_counter SET n = n + 1 WHERE kind = 'event'; END`.execute(
      db,
    );
  }
  let last = { deviceUpdates: 0, events: 0 };
  return async () => {
    const rows = await sql<{ kind: string; n: number }>`SELECT kind, n FROM hb_write_counter`.execute(db);
    const get = (kind: string) => Number(rows.rows.find((r) => r.kind === kind)?.n ?? 0);
    const now = { deviceUpdates: get('device'), events: get('event') };
    const delta = { deviceUpdates: now.deviceUpdates - last.deviceUpdates, events: now.events - last.events };
    last = now;
    return delta;
  };
}
