import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { TestDatabase } from '../../../server/test/support/databases.js';

export interface SeededFleet {
  readonly fleetId: number;
  readonly counts: { online: number; timeout: number; offline: number; unknown: number };
  /** The uuid of one offline device, named `dev-00007`. */
  readonly offlineUuid: string;
}

/**
 * Inserts `count` devices straight into the database (the API would take minutes for 10,000), in
 * a realistic mix: most online, some timed out, offline or never seen. Online devices are due far
 * in the future, so the sweep leaves them alone and the fleet is quiet while the test measures.
 */
export async function seedDevices(
  database: TestDatabase,
  fleetId: number,
  count: number,
  now: number = Date.now(),
): Promise<SeededFleet> {
  const kysely = database.db.kysely;
  // The device-type catalogue is not in the typed schema (it is seeded by a migration).
  const types = await sql<{ id: number }>`SELECT id FROM device_type WHERE slug = 'raspberrypi4-64'`.execute(
    kysely,
  );
  const type = types.rows[0];
  if (!type) throw new Error('raspberrypi4-64 is missing from the device-type catalogue');
  const counts = { online: 0, timeout: 0, offline: 0, unknown: 0 };
  let offlineUuid = '';
  const BATCH = 500;
  for (let start = 0; start < count; start += BATCH) {
    await kysely.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const state =
          i % 20 === 7 ? 'offline' : i % 20 === 11 ? 'timeout' : i % 20 === 13 ? 'unknown' : 'online';
        counts[state]++;
        const uuid = randomBytes(16).toString('hex');
        if (i === 7) offlineUuid = uuid;
        const seen = state === 'unknown' ? null : now - (i % 600) * 1000;
        const actor = await trx
          .insertInto('actor')
          .values({ created_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('device')
          .values({
            created_at: now - i * 1000,
            modified_at: now,
            actor: actor.id,
            uuid,
            device_name: `dev-${String(i).padStart(5, '0')}`,
            belongs_to__application: fleetId,
            is_of__device_type: type.id,
            os_version: 'balenaOS 6.0.0',
            os_variant: 'prod',
            supervisor_version: '16.0.0',
            mac_address: null,
            api_heartbeat_state: state,
            changed_api_heartbeat_state_on__date: seen,
            last_connectivity_event: seen,
            last_api_heartbeat_at: seen,
            heartbeat_due_at: state === 'online' ? now + 86_400_000 : null,
          })
          .execute();
      }
    });
  }
  return { fleetId, counts, offlineUuid };
}
