import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { TestApp } from './test-app.js';
import { ADMIN_PASSWORD, bearer, loginAs } from './test-app.js';

/*
 * Fixture builders for the /v7 resource tests. Users, organizations and memberships go through
 * Mooring's admin endpoints; fleets, devices and env vars through /v7 itself (COMPAT.md A6–A8), so a
 * broken write path fails loudly here with the request and response in the message.
 */

/** The columns fixtures read or write directly; typed locally so fixtures do not depend on src/db/schema.ts. */
export interface FixtureDB {
  api_key: {
    id?: number;
    created_at: number;
    modified_at: number;
    is_of__actor: number;
    kind: 'user' | 'provisioning' | 'device';
    public_id: string;
    key_hash: string;
    display_prefix: string;
    name: string | null;
    description: string | null;
    expiry_date: number | null;
  };
  device_type: { id: number; slug: string; name: string; is_of__cpu_architecture: number };
  cpu_architecture: { id: number; slug: string };
  organization: { id: number; name: string; handle: string };
  organization_membership: { id: number; user: number; is_member_of__organization: number; role: string };
  user: { id: number; actor: number; username: string; email: string | null };
  application: {
    id: number;
    actor: number;
    organization: number;
    app_name: string;
    slug: string;
    uuid: string;
    is_for__device_type: number;
    modified_at: number;
  };
  device: {
    id: number;
    actor: number;
    uuid: string;
    device_name: string;
    belongs_to__application: number;
    is_of__device_type: number;
    note: string | null;
    modified_at: number;
  };
  application_environment_variable: { id: number; application: number; name: string; value: string };
  device_environment_variable: { id: number; device: number; name: string; value: string };
}

export function fixtureDb(t: TestApp): Kysely<FixtureDB> {
  return t.ctx.db.kysely as unknown as Kysely<FixtureDB>;
}

export interface V7Response {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | number | undefined>;
  /** The parsed body, or undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** One request through `app.inject`; `url` must already be encoded (see `encodeUrl`). */
export async function request(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  token?: string,
  payload?: Record<string, unknown>,
): Promise<V7Response> {
  const res = await app.inject({
    method,
    url,
    headers: token === undefined ? {} : bearer(token),
    ...(payload === undefined ? {} : { payload }),
  });
  let json: unknown;
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, body: res.body, headers: res.headers, json };
}

/**
 * Encodes a URL written in readable form the way balena-sdk's fetch does (COMPAT.md (c)): Node's
 * WHATWG URL parser percent-encodes spaces and quotes in the query; `$ ( ) , ; = / :` stay literal.
 * String literals must already have been passed through `lit`.
 */
export function encodeUrl(readable: string): string {
  const u = new URL(readable, 'http://mooring.invalid');
  return u.pathname + u.search;
}

/** An OData string literal as pinejs-client builds it: `'` doubled, then `encodeURIComponent`. */
export function lit(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

/** A fresh 32-hex device/fleet uuid. */
export function newUuid(): string {
  return randomBytes(16).toString('hex');
}

function fail(what: string, res: V7Response): never {
  throw new Error(`fixture: ${what} answered ${res.status} ${res.body}`);
}

export async function adminToken(t: TestApp): Promise<string> {
  return loginAs(t.app, 'admin', ADMIN_PASSWORD);
}

export interface UserFixture {
  readonly id: number;
  readonly actor: number;
  readonly username: string;
  readonly password: string;
}

export async function createUser(t: TestApp, admin: string, username: string): Promise<UserFixture> {
  const password = `pw-${username}-0123456789-long-enough`;
  const res = await request(t.app, 'POST', '/mooring/v1/users', admin, {
    username,
    email: `${username}@example.test`,
    password,
  });
  if (res.status !== 201) fail(`create user ${username}`, res);
  const body = res.json as { id: number; actor: number };
  return { id: body.id, actor: body.actor, username, password };
}

export async function createOrganization(
  t: TestApp,
  admin: string,
  name: string,
  handle: string,
): Promise<{ id: number; name: string; handle: string }> {
  const res = await request(t.app, 'POST', '/mooring/v1/organizations', admin, { name, handle });
  if (res.status !== 201) fail(`create organization ${handle}`, res);
  const body = res.json as { id: number };
  return { id: body.id, name, handle };
}

export async function addMember(
  t: TestApp,
  admin: string,
  orgId: number,
  userId: number,
  role: 'member' | 'administrator' = 'member',
): Promise<void> {
  const res = await request(t.app, 'PUT', `/mooring/v1/organizations/${orgId}/members/${userId}`, admin, {
    role,
  });
  if (res.status !== 204) fail(`add member ${userId} to ${orgId}`, res);
}

export async function deviceTypeId(t: TestApp, slug: string): Promise<number> {
  const row = await fixtureDb(t)
    .selectFrom('device_type')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface FleetFixture {
  readonly id: number;
  readonly app_name: string;
  readonly slug: string;
  readonly uuid: string;
  readonly actor: number;
}

export async function createFleet(
  t: TestApp,
  token: string,
  input: { app_name: string; organization: number; deviceType?: string },
): Promise<FleetFixture> {
  const res = await request(t.app, 'POST', '/v7/application', token, {
    app_name: input.app_name,
    organization: input.organization,
    is_for__device_type: await deviceTypeId(t, input.deviceType ?? 'raspberrypi3'),
  });
  if (res.status !== 201) fail(`create fleet ${input.app_name}`, res);
  const body = res.json as {
    id: number;
    app_name: string;
    slug: string;
    uuid: string;
    actor: { __id: number };
  };
  return { id: body.id, app_name: body.app_name, slug: body.slug, uuid: body.uuid, actor: body.actor?.__id };
}

export interface DeviceFixture {
  readonly id: number;
  readonly uuid: string;
  readonly device_name: string;
  readonly actor: number;
}

export async function createDevice(
  t: TestApp,
  token: string,
  input: { fleet: number; device_name: string; uuid?: string; deviceType?: string },
): Promise<DeviceFixture> {
  const uuid = input.uuid ?? newUuid();
  const res = await request(t.app, 'POST', '/v7/device', token, {
    belongs_to__application: input.fleet,
    is_of__device_type: await deviceTypeId(t, input.deviceType ?? 'raspberrypi3'),
    uuid,
    device_name: input.device_name,
  });
  if (res.status !== 201) fail(`create device ${input.device_name}`, res);
  const body = res.json as { id: number; uuid: string; device_name: string; actor: { __id: number } };
  return { id: body.id, uuid: body.uuid, device_name: body.device_name, actor: body.actor?.__id };
}

export async function createAppEnvVar(
  t: TestApp,
  token: string,
  fleet: number,
  name: string,
  value: string,
): Promise<number> {
  const res = await request(t.app, 'POST', '/v7/application_environment_variable', token, {
    application: fleet,
    name,
    value,
  });
  if (res.status !== 201) fail(`create app env var ${name}`, res);
  return (res.json as { id: number }).id;
}

export async function createDeviceEnvVar(
  t: TestApp,
  token: string,
  device: number,
  name: string,
  value: string,
): Promise<number> {
  const res = await request(t.app, 'POST', '/v7/device_environment_variable', token, { device, name, value });
  if (res.status !== 201) fail(`create device env var ${name}`, res);
  return (res.json as { id: number }).id;
}

/** Inserts an API key row directly (keys are normally minted by /api-key/*, not /v7). */
export async function insertApiKey(
  t: TestApp,
  input: {
    actor: number;
    name: string | null;
    description?: string | null;
    expiry?: number | null;
    kind?: 'user' | 'provisioning' | 'device';
  },
): Promise<number> {
  const now = t.clock.now();
  const publicId = randomBytes(8).toString('hex');
  const row = await fixtureDb(t)
    .insertInto('api_key')
    .values({
      created_at: now,
      modified_at: now,
      is_of__actor: input.actor,
      kind: input.kind ?? 'user',
      public_id: publicId,
      key_hash: randomBytes(32).toString('hex'),
      display_prefix: publicId.slice(0, 8),
      name: input.name,
      description: input.description ?? null,
      expiry_date: input.expiry ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id as number;
}

/** Every value in a JSON tree, with the key it sits under (to find leaked rows at any nesting level). */
export function walkJson(
  value: unknown,
  visit: (key: string | null, value: unknown) => void,
  key: string | null = null,
): void {
  visit(key, value);
  if (Array.isArray(value)) for (const item of value) walkJson(item, visit, key);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) walkJson(v, visit, k);
}
