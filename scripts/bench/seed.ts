/**
 * Seeds a migrated Mooring database for the HTTP benchmark: organizations, member users, fleets,
 * devices, named user keys and device keys. Rows go in with chunked multi-row INSERTs inside one
 * transaction (10,000 devices in well under a second on SQLite); keys are real Mooring keys, stored
 * the way the server stores them (HMAC-SHA256 under the pepper derived from the server secret).
 *
 * The schema is typed locally (like test/support/fleet-fixtures.ts) so the seeding only depends on
 * the column names of the migrations, not on src/db/schema.ts.
 */
import { randomBytes } from 'node:crypto';
import { generateApiKey } from '@mooring/protocol';
import type { Generated, Insertable, Kysely } from 'kysely';
import { hashApiKey } from '../../packages/server/src/api-keys/key-hash.js';
import type { Database } from '../../packages/server/src/db/database.js';
import { hashPassword } from '../../packages/server/src/users/passwords.js';

export interface SeedSizes {
  readonly organizations: number;
  readonly usersPerOrganization: number;
  readonly fleets: number;
  readonly devices: number;
  /** Named user keys, spread evenly over the users. */
  readonly namedKeys: number;
  /** Device keys, one each for the first `deviceKeys` devices. */
  readonly deviceKeys: number;
}

export const DEFAULT_SIZES: SeedSizes = {
  organizations: 2,
  usersPerOrganization: 5,
  fleets: 20,
  devices: 10_000,
  namedKeys: 1_000,
  deviceKeys: 1_000,
};

export interface SeededUser {
  readonly id: number;
  /** The user's actor id (whoami's `id`). */
  readonly actor: number;
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly organization: number;
}

export interface SeededDevice {
  readonly id: number;
  readonly uuid: string;
  readonly fleet: number;
  readonly organization: number;
  readonly heartbeat: HeartbeatState;
}

export interface SeedResult {
  readonly users: readonly SeededUser[];
  readonly fleets: readonly { readonly id: number; readonly organization: number }[];
  readonly devices: readonly SeededDevice[];
  /** Named keys with the user that owns them. */
  readonly namedKeys: readonly { readonly key: string; readonly user: number }[];
  readonly deviceKeys: readonly { readonly key: string; readonly uuid: string; readonly device: number }[];
  readonly deviceTypeSlug: string;
}

type HeartbeatState = 'online' | 'offline' | 'timeout' | 'unknown';

interface SeedDB {
  actor: { id: Generated<number>; created_at: number };
  user: {
    id: Generated<number>;
    actor: number;
    username: string;
    email: string | null;
    password_hash: string;
    is_admin: number;
    created_at: number;
    modified_at: number;
  };
  organization: {
    id: Generated<number>;
    name: string;
    handle: string;
    created_at: number;
    modified_at: number;
  };
  organization_membership: {
    id: Generated<number>;
    user: number;
    is_member_of__organization: number;
    role: 'administrator' | 'member';
    created_at: number;
  };
  device_type: { id: number; slug: string };
  application: {
    id: Generated<number>;
    created_at: number;
    modified_at: number;
    actor: number;
    organization: number;
    app_name: string;
    slug: string;
    uuid: string;
    is_for__device_type: number;
  };
  device: {
    id: Generated<number>;
    created_at: number;
    modified_at: number;
    actor: number;
    uuid: string;
    device_name: string;
    is_of__device_type: number;
    belongs_to__application: number;
    api_heartbeat_state: HeartbeatState;
    changed_api_heartbeat_state_on__date: number | null;
    last_connectivity_event: number | null;
    last_api_heartbeat_at: number | null;
  };
  api_key: {
    id: Generated<number>;
    created_at: number;
    modified_at: number;
    is_of__actor: number;
    kind: 'user' | 'device';
    public_id: string;
    key_hash: string;
    display_prefix: string;
    name: string | null;
    description: string | null;
    expiry_date: number | null;
  };
}

/** The one password every seeded user gets (argon2 once, not once per user). */
export const SEED_PASSWORD = 'bench-password-0123456789';
const DEVICE_TYPE = 'raspberrypi4-64';
const CHUNK = 400; // SQLite's default limit is 32,766 bound values; 400 rows × ≤ 12 columns stays far below.

/** A realistic mix: most devices online, some offline, a few timed out or never seen. */
export function heartbeatFor(index: number): HeartbeatState {
  const r = index % 10;
  return r < 6 ? 'online' : r < 8 ? 'offline' : r < 9 ? 'timeout' : 'unknown';
}

/** Multi-row INSERTs of at most CHUNK rows; returns the new ids in row order. */
async function insertChunked<R>(
  rows: readonly R[],
  insert: (chunk: R[]) => Promise<readonly { id: number | bigint }[]>,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    for (const row of await insert(rows.slice(i, i + CHUNK))) ids.push(Number(row.id));
  }
  return ids;
}

async function insertActors(db: Kysely<SeedDB>, count: number, now: number): Promise<number[]> {
  const rows = Array.from({ length: count }, () => ({ created_at: now }));
  return insertChunked(rows, (chunk) => db.insertInto('actor').values(chunk).returning('id').execute());
}

function keyRow(
  pepper: Uint8Array,
  kind: 'user' | 'device',
  actor: number,
  name: string | null,
  now: number,
): { row: Insertable<SeedDB['api_key']>; key: string } {
  const generated = generateApiKey(kind);
  return {
    key: generated.key,
    row: {
      created_at: now,
      modified_at: now,
      is_of__actor: actor,
      kind,
      public_id: generated.publicId,
      key_hash: hashApiKey(pepper, generated.key),
      display_prefix: `mk_${kind === 'user' ? 'u' : 'd'}_${generated.publicId}`,
      name,
      description: null,
      expiry_date: null,
    },
  };
}

/**
 * Fills an empty, migrated database. Users are plain members (not instance administrators), so every
 * request pays the real permission predicates. Devices are spread round-robin over the fleets, fleets
 * round-robin over the organizations.
 */
export async function seedDatabase(
  database: Database,
  pepper: Uint8Array,
  sizes: SeedSizes = DEFAULT_SIZES,
  now: number = Date.now(),
): Promise<SeedResult> {
  const passwordHash = await hashPassword(SEED_PASSWORD);
  const kysely = database.kysely as unknown as Kysely<SeedDB>;
  return kysely.transaction().execute(async (db) => {
    const deviceType = await db
      .selectFrom('device_type')
      .select(['id', 'slug'])
      .where('slug', '=', DEVICE_TYPE)
      .executeTakeFirstOrThrow();

    const orgRows = Array.from({ length: sizes.organizations }, (_, i) => ({
      name: `Bench org ${i}`,
      handle: `bench${i}`,
      created_at: now,
      modified_at: now,
    }));
    const orgIds = await insertChunked(orgRows, (c) =>
      db.insertInto('organization').values(c).returning('id').execute(),
    );
    const orgOf = (i: number): number => orgIds[i % orgIds.length] as number;

    const userCount = sizes.organizations * sizes.usersPerOrganization;
    const userActors = await insertActors(db, userCount, now);
    const userRows = userActors.map((actor, i) => ({
      actor,
      username: `bench${i}`,
      email: `bench${i}@bench.test`,
      password_hash: passwordHash,
      is_admin: 0,
      created_at: now,
      modified_at: now,
    }));
    const userIds = await insertChunked(userRows, (c) =>
      db.insertInto('user').values(c).returning('id').execute(),
    );
    const users: SeededUser[] = userIds.map((id, i) => ({
      id,
      actor: userActors[i] as number,
      username: `bench${i}`,
      email: `bench${i}@bench.test`,
      password: SEED_PASSWORD,
      organization: orgOf(i),
    }));
    const memberships = users.map((u) => ({
      user: u.id,
      is_member_of__organization: u.organization,
      role: 'member' as const,
      created_at: now,
    }));
    await insertChunked(memberships, (c) =>
      db.insertInto('organization_membership').values(c).returning('id').execute(),
    );

    const fleetActors = await insertActors(db, sizes.fleets, now);
    const fleetRows = fleetActors.map((actor, i) => ({
      created_at: now,
      modified_at: now,
      actor,
      organization: orgOf(i),
      app_name: `fleet${i}`,
      slug: `bench${i % orgIds.length}/fleet${i}`,
      uuid: randomBytes(16).toString('hex'),
      is_for__device_type: deviceType.id,
    }));
    const fleetIds = await insertChunked(fleetRows, (c) =>
      db.insertInto('application').values(c).returning('id').execute(),
    );
    const fleets = fleetIds.map((id, i) => ({ id, organization: orgOf(i) }));

    const deviceActors = await insertActors(db, sizes.devices, now);
    const uuids = deviceActors.map(() => randomBytes(16).toString('hex'));
    const deviceRows = deviceActors.map((actor, i) => {
      const state = heartbeatFor(i);
      const seen = state === 'unknown' ? null : now - (i % 3600) * 1000;
      return {
        created_at: now,
        modified_at: now,
        actor,
        uuid: uuids[i] as string,
        device_name: `device-${String(i).padStart(5, '0')}`,
        is_of__device_type: deviceType.id,
        belongs_to__application: (fleets[i % fleets.length] as { id: number }).id,
        api_heartbeat_state: state,
        changed_api_heartbeat_state_on__date: seen,
        last_connectivity_event: seen,
        last_api_heartbeat_at: seen,
      };
    });
    const deviceIds = await insertChunked(deviceRows, (c) =>
      db.insertInto('device').values(c).returning('id').execute(),
    );
    const devices: SeededDevice[] = deviceIds.map((id, i) => {
      const fleet = fleets[i % fleets.length] as { id: number; organization: number };
      return {
        id,
        uuid: uuids[i] as string,
        fleet: fleet.id,
        organization: fleet.organization,
        heartbeat: heartbeatFor(i),
      };
    });

    const named = Array.from({ length: sizes.namedKeys }, (_, i) => {
      const owner = i % users.length;
      return {
        user: (users[owner] as SeededUser).id,
        ...keyRow(pepper, 'user', userActors[owner] as number, `bench key ${i}`, now),
      };
    });
    const deviceKeyed = devices.slice(0, sizes.deviceKeys).map((device, i) => ({
      uuid: device.uuid,
      device: device.id,
      ...keyRow(pepper, 'device', deviceActors[i] as number, null, now),
    }));
    const keyRows = [...named.map((k) => k.row), ...deviceKeyed.map((k) => k.row)];
    await insertChunked(keyRows, (c) => db.insertInto('api_key').values(c).returning('id').execute());

    return {
      users,
      fleets,
      devices,
      namedKeys: named.map(({ key, user }) => ({ key, user })),
      deviceKeys: deviceKeyed.map(({ key, uuid, device }) => ({ key, uuid, device })),
      deviceTypeSlug: deviceType.slug,
    };
  });
}
