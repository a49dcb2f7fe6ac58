/**
 * The HTTP benchmark scenarios (issue #9): which requests each one sends and what a correct answer
 * looks like. Requests are precomputed (path as it goes on the wire, headers) so the load generator
 * only replays them; every scenario is checked for 200 + the expected body before it is timed,
 * because a benchmark of 401s is worthless.
 */
import type { SeededDevice, SeedResult } from './seed.js';

export interface BenchRequest {
  readonly method: 'GET';
  /** Path and query exactly as sent on the request line (percent-encoded like balena-sdk's fetch). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** What the answer must contain, checked by the scenario's `check`. */
  readonly expect: Expectation;
}

export type Expectation =
  | { readonly kind: 'device-status'; readonly uuid: string; readonly heartbeat: string }
  | { readonly kind: 'fleet-devices'; readonly fleet: number; readonly count: number; readonly slug: string }
  | { readonly kind: 'whoami'; readonly userId: number; readonly username: string }
  | { readonly kind: 'state'; readonly uuid: string };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Minimum ratio to the in-run bare Fastify ceiling (issue #9 targets). */
  readonly target: number;
  /** Replayed round-robin by the load generator. */
  readonly requests: readonly BenchRequest[];
  /** Requests that must not be sent twice (signatures carry single-use nonces). */
  readonly singleUse: boolean;
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Sends one request to the server under test (fetch in the benchmark, `app.inject` in the test). */
export type Send = (request: BenchRequest) => Promise<Answer>;

export const DEVICE_STATUS_SELECT = 'uuid,api_heartbeat_state,is_online';
export const FLEET_LIST_SELECT = 'id,uuid,device_name,api_heartbeat_state,is_online';

/** Percent-encodes a readable URL the way Node's WHATWG URL (and so balena-sdk's fetch) does. */
export function wireUrl(readable: string): string {
  const url = new URL(readable, 'http://bench.invalid');
  return url.pathname + url.search;
}

export function deviceStatusPath(uuid: string): string {
  return wireUrl(`/v7/device?$filter=uuid eq '${uuid}'&$select=${DEVICE_STATUS_SELECT}`);
}

export function fleetDevicesPath(fleet: number): string {
  return wireUrl(
    `/v7/device?$select=${FLEET_LIST_SELECT}&$filter=belongs_to__application eq ${fleet}` +
      '&$expand=is_of__device_type($select=slug)&$top=100&$orderby=device_name asc',
  );
}

export const bearer = (credential: string): Record<string, string> => ({
  authorization: `Bearer ${credential}`,
});

/** The ceiling's answer to a device-status request: same shape and size as Mooring's. */
export function deviceStatusBody(uuid: string): string {
  return JSON.stringify({ d: [{ uuid, api_heartbeat_state: 'online', is_online: true }] });
}

/**
 * The seeded organization the benchmark acts in, its member users, their keys and its devices.
 * Status lookups use devices without a device key, so the heartbeat scenario (which turns polled
 * devices online) cannot change the answers they expect.
 */
export function workingSet(seed: SeedResult) {
  const org = seed.users[0]?.organization;
  const users = seed.users.filter((u) => u.organization === org);
  const userIds = new Set(users.map((u) => u.id));
  const keys = seed.namedKeys.filter((k) => userIds.has(k.user));
  const keyed = new Set(seed.deviceKeys.map((k) => k.device));
  const inOrg = seed.devices.filter((d) => d.organization === org);
  const unkeyed = inOrg.filter((d) => !keyed.has(d.id));
  const devices = unkeyed.length > 0 ? unkeyed : inOrg;
  const fleets = seed.fleets.filter((f) => f.organization === org);
  if (users.length === 0 || keys.length === 0 || devices.length === 0 || fleets.length === 0) {
    throw new Error('the seed has no organization with users, keys, devices and fleets');
  }
  return { org, users, keys, devices, fleets };
}

function statusExpect(device: SeededDevice): Expectation {
  return { kind: 'device-status', uuid: device.uuid, heartbeat: device.heartbeat };
}

/** Request i pairs credential i mod C with device i mod D, so keys and uuids both rotate. */
function rotate<C>(
  credentials: readonly C[],
  devices: readonly SeededDevice[],
  build: (credential: C, device: SeededDevice) => BenchRequest,
): BenchRequest[] {
  const n = Math.max(credentials.length, devices.length);
  return Array.from({ length: n }, (_, i) =>
    build(credentials[i % credentials.length] as C, devices[i % devices.length] as SeededDevice),
  );
}

export function deviceStatusBearer(seed: SeedResult): Scenario {
  const { keys, devices } = workingSet(seed);
  return {
    id: 'status-bearer',
    title: 'device status by uuid, named key as Bearer',
    target: 0.6,
    singleUse: false,
    requests: rotate(keys, devices, (k, d) => ({
      method: 'GET',
      path: deviceStatusPath(d.uuid),
      headers: bearer(k.key),
      expect: statusExpect(d),
    })),
  };
}

export function deviceStatusQueryKey(seed: SeedResult): Scenario {
  const { keys, devices } = workingSet(seed);
  return {
    id: 'status-apikey',
    title: 'device status by uuid, named key as ?apikey=',
    target: 0.6,
    singleUse: false,
    requests: rotate(keys, devices, (k, d) => ({
      method: 'GET',
      path: `${deviceStatusPath(d.uuid)}&apikey=${k.key}`,
      headers: {},
      expect: statusExpect(d),
    })),
  };
}

/** `tokens`: session tokens of members of the working organization (from real logins). */
export function deviceStatusSession(seed: SeedResult, tokens: readonly string[]): Scenario {
  const { devices } = workingSet(seed);
  return {
    id: 'status-session',
    title: 'device status by uuid, session token',
    target: 0.6,
    singleUse: false,
    requests: rotate(tokens, devices, (t, d) => ({
      method: 'GET',
      path: deviceStatusPath(d.uuid),
      headers: bearer(t),
      expect: statusExpect(d),
    })),
  };
}

/**
 * Signed device-status requests: `sign` returns the signature headers for one request (a fresh
 * nonce each time). `count` requests are precomputed; each may be sent once.
 */
export async function deviceStatusSigned(
  seed: SeedResult,
  alg: 'ed25519' | 'hmac-sha256',
  count: number,
  sign: (path: string, query: string) => Promise<Record<string, string>>,
): Promise<Scenario> {
  const { devices } = workingSet(seed);
  const requests: BenchRequest[] = [];
  // Batches in parallel: WebCrypto signs on the libuv thread pool.
  for (let start = 0; start < count; start += 512) {
    const batch = Array.from({ length: Math.min(512, count - start) }, async (_, j) => {
      const device = devices[(start + j) % devices.length] as SeededDevice;
      const path = deviceStatusPath(device.uuid);
      const q = path.indexOf('?');
      const headers = await sign(path.slice(0, q), path.slice(q));
      return { method: 'GET', path, headers, expect: statusExpect(device) } as const;
    });
    requests.push(...(await Promise.all(batch)));
  }
  return {
    id: alg === 'ed25519' ? 'status-sig-ed25519' : 'status-sig-hmac',
    title: `device status by uuid, RFC 9421 signature (${alg})`,
    target: 0.4,
    singleUse: true,
    requests,
  };
}

export function fleetDeviceList(seed: SeedResult): Scenario {
  const { keys, fleets } = workingSet(seed);
  const perFleet = new Map<number, number>();
  for (const d of seed.devices) perFleet.set(d.fleet, (perFleet.get(d.fleet) ?? 0) + 1);
  return {
    id: 'fleet-devices',
    title: "a fleet's device list: 100 devices, $select + $expand=is_of__device_type",
    target: 0.15,
    singleUse: false,
    requests: Array.from({ length: Math.max(keys.length, fleets.length) }, (_, i) => {
      const fleet = fleets[i % fleets.length] as { id: number };
      return {
        method: 'GET',
        path: fleetDevicesPath(fleet.id),
        headers: bearer((keys[i % keys.length] as { key: string }).key),
        expect: {
          kind: 'fleet-devices',
          fleet: fleet.id,
          count: Math.min(100, perFleet.get(fleet.id) ?? 0),
          slug: seed.deviceTypeSlug,
        },
      };
    }),
  };
}

export function deviceHeartbeats(seed: SeedResult): Scenario {
  return {
    id: 'heartbeat',
    title: 'device heartbeats: distinct device keys polling /device/v3/:uuid/state',
    target: 0.5,
    singleUse: false,
    requests: seed.deviceKeys.map((k) => ({
      method: 'GET',
      path: `/device/v3/${k.uuid}/state`,
      headers: bearer(k.key),
      expect: { kind: 'state', uuid: k.uuid },
    })),
  };
}

export function whoami(seed: SeedResult): Scenario {
  const { keys, users } = workingSet(seed);
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    id: 'whoami',
    title: 'GET /actor/v1/whoami, named key',
    target: 0.6,
    singleUse: false,
    requests: keys.map((k) => {
      const user = byId.get(k.user);
      if (!user) throw new Error('key owner missing from the working set');
      return {
        method: 'GET',
        path: '/actor/v1/whoami',
        headers: bearer(k.key),
        expect: { kind: 'whoami', userId: user.id, username: user.username },
      };
    }),
  };
}
