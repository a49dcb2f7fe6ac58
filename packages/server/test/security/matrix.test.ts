import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { newUuid } from '../support/fleet-fixtures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import {
  buildMatrixWorld,
  KINDS,
  type Kind,
  type MatrixRequest,
  type MatrixWorld,
  sendAs,
} from './matrix-world.js';

/*
 * THE security matrix (issue 6): every registered route × every credential kind → expected status.
 * One row per route; `methods` may list several (HEAD is Fastify's automatic twin of a GET).
 * To add a route: add one row with the 16 statuses in KINDS order, the methods, the route as
 * registered, and a request that an allowed caller could make:
 *
 *   none malformed expiredSession revokedSession session fullKey readOnlyKey fleetKey expiredKey
 *   revokedKey ownDevice otherDevice provisioningOwn provisioningOther signature replayed
 *
 * `MATRIX_DISCOVER=1` prints what every row actually answers, with the bodies, to review a new row
 * (never copy it blindly: each status is a security decision). The meta-test at the end fails when
 * a registered route has no row. Bad credentials (malformed,
 * expired, revoked, replayed) are a uniform 401 on every route, public ones included. "user" below
 * is mia: a member of the organization owning fleets X and Y, not an instance administrator.
 */

type Build = (w: MatrixWorld) => MatrixRequest | Promise<MatrixRequest>;
interface Row {
  readonly methods: readonly string[];
  readonly url: string;
  readonly build: Build;
  readonly expect: string;
}
const row = (expected: string, methods: string, url: string, build: Build): Row => ({
  methods: methods.split('|'),
  url,
  build,
  expect: expected,
});
const get = (url: string) => (): MatrixRequest => ({ method: 'GET', url });

// biome-ignore format: one row per route, the statuses aligned as a table
const MATRIX: readonly Row[] = [
  //   none mal xS  rS  ses full ro  flt xK  rK  dOwn dOth pOwn pOth sig rep
  // meta, docs and the dashboard: public
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/ping', get('/ping')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/healthz', get('/healthz')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/readyz', get('/readyz')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/openapi.json', get('/openapi.json')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/docs', get('/docs')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/docs/static/:file', get('/docs/static/initializer.js')),
  row('200 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/*', get('/fleets/1')),
  // authentication (balena wire); /login_ with an empty body: 400 once any credential presented is valid
  row('400 401 401 401 400 400 400 400 401 401 400 400 400 400 400 401', 'POST', '/login_', () => ({ method: 'POST', url: '/login_', body: {} })),
  row('401 401 401 401 200 200 200 200 401 401 200 200 200 200 200 401', 'GET|HEAD', '/actor/v1/whoami', get('/actor/v1/whoami')),
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/user/v1/whoami', get('/user/v1/whoami')),
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'GET|HEAD', '/user/v1/refresh-token', get('/user/v1/refresh-token')),
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/user/v1/refresh-token', () => ({ method: 'POST', url: '/user/v1/refresh-token', body: {} })),
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'GET|HEAD', '/whoami', get('/whoami')),
  // sessions, password, audit (Mooring wire); a key on a session-only route is 401, a device or fleet 403
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'GET|HEAD', '/mooring/v1/sessions', get('/mooring/v1/sessions')),
  row('401 401 401 401 204 401 401 401 401 401 403 403 403 403 401 401', 'DELETE', '/mooring/v1/sessions/:id', async (w) => ({ method: 'DELETE', url: `/mooring/v1/sessions/${await w.freshSessionId()}` })),
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/audit-events', get('/mooring/v1/audit-events')),
  // an invalid body: allowed callers get 400 (validation runs after access), so no password changes
  row('401 401 401 401 400 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/mooring/v1/password', () => ({ method: 'POST', url: '/mooring/v1/password', body: { currentPassword: 1 } })),
  // instance administration: mia is not an administrator
  row('401 401 401 401 403 401 401 401 401 401 403 403 403 403 401 401', 'GET|HEAD', '/mooring/v1/users', get('/mooring/v1/users')),
  row('401 401 401 401 403 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/mooring/v1/users', (w) => ({ method: 'POST', url: '/mooring/v1/users', body: { username: `u${w.unique()}`, password: 'a-long-enough-password' } })),
  row('401 401 401 401 403 401 401 401 401 401 403 403 403 403 401 401', 'GET|HEAD', '/mooring/v1/organizations', get('/mooring/v1/organizations')),
  row('401 401 401 401 403 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/mooring/v1/organizations', (w) => ({ method: 'POST', url: '/mooring/v1/organizations', body: { name: `o${w.unique()}` } })),
  row('401 401 401 401 403 401 401 401 401 401 403 403 403 403 401 401', 'PUT', '/mooring/v1/organizations/:orgId/members/:userId', (w) => ({ method: 'PUT', url: `/mooring/v1/organizations/${w.org}/members/${w.member.id}`, body: { role: 'member' } })),
  // removing a member: organization administrators (and instance administrators) only; mia is a member
  row('401 401 401 401 403 403 403 403 401 401 403 403 403 403 403 401', 'DELETE', '/mooring/v1/organizations/:orgId/members/:userId', (w) => ({ method: 'DELETE', url: `/mooring/v1/organizations/${w.org}/members/${w.member.id}` })),
  // OData: public at the HTTP level, rows decided by the permission module (fleet X, device D1)
  row('200 401 401 401 200 200 200 200 401 401 200 200 403 403 200 401', 'GET|HEAD', '/v7/*', (w) => ({ method: 'GET', url: `/v7/application(${w.x.id})?$select=id,app_name` })),
  row('401 401 401 401 201 201 403 201 401 401 403 403 403 403 201 401', 'POST', '/v7/*', (w) => ({ method: 'POST', url: '/v7/application_environment_variable', body: { application: w.x.id, name: `V_${w.unique()}`, value: 'v' } })),
  row('401 401 401 401 200 200 403 200 401 401 403 403 403 403 200 401', 'PATCH', '/v7/*', (w) => ({ method: 'PATCH', url: `/v7/device(${w.d1.id})`, body: { device_name: `d1-${w.unique()}` } })),
  // PUT replaces fleet X's variable: balena's create-and-update rule, never a row created by PUT
  row('401 401 401 401 200 200 403 200 401 401 403 403 403 403 200 401', 'PUT', '/v7/*', async (w) => ({ method: 'PUT', url: `/v7/application_environment_variable(${await w.freshFleetVar()})`, body: { name: `V_${w.unique()}`, value: 'v' } })),
  row('401 401 401 401 200 200 403 200 401 401 403 403 403 403 200 401', 'DELETE', '/v7/*', async (w) => ({ method: 'DELETE', url: `/v7/application_environment_variable(${await w.freshFleetVar()})` })),
  // API keys: named keys need a fresh password session; a limited key cannot mint an unlimited one
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/api-key/user/full', (w) => ({ method: 'POST', url: '/api-key/user/full', body: { name: `k${w.unique()}`, expiryDate: null } })),
  row('401 401 401 401 200 200 403 403 401 401 403 403 403 403 200 401', 'POST', '/api-key/v2/', (w) => ({ method: 'POST', url: '/api-key/v2/', body: { actorType: 'application', actorTypeId: w.x.id, roles: ['provisioning-api-key'], expiryDate: null } })),
  row('401 401 401 401 200 200 403 403 401 401 403 403 403 403 200 401', 'POST', '/api-key/v2', (w) => ({ method: 'POST', url: '/api-key/v2', body: { actorType: 'device', actorTypeId: w.d1.id, roles: ['device-api-key'], expiryDate: null } })),
  row('401 401 401 401 200 200 403 403 401 401 403 403 403 403 200 401', 'POST', '/api-key/application/:id/provisioning', (w) => ({ method: 'POST', url: `/api-key/application/${w.x.id}/provisioning` })),
  row('401 401 401 401 200 200 403 403 401 401 403 403 403 403 200 401', 'POST', '/api-key/device/:id/device-key', (w) => ({ method: 'POST', url: `/api-key/device/${w.d1.id}/device-key` })),
  row('401 401 401 401 200 200 404 403 401 401 403 403 403 403 200 401', 'POST', '/mooring/v1/keys/:id/rotate', async (w) => ({ method: 'POST', url: `/mooring/v1/keys/${await w.freshKeyId()}/rotate`, body: { gracePeriodSeconds: 0 } })),
  // fleet X's detection time: users who can read the fleet
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/fleets/:id/detection', (w) => ({ method: 'GET', url: `/mooring/v1/fleets/${w.x.id}/detection` })),
  // usage of fleet X's provisioning key: readable by mia's session and keys; devices and fleets 403 (users only)
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/keys/:id/usage', async (w) => ({ method: 'GET', url: `/mooring/v1/keys/${await w.freshKeyId()}/usage?days=7` })),
  // devices: registration with fleet X's provisioning key; D1's state with D1's key (another device: balena's 304 deny)
  row('401 401 401 401 403 403 403 403 401 401 403 403 201 403 403 401', 'POST', '/device/register', (w) => ({ method: 'POST', url: '/device/register', body: { application: w.x.id, device_type: 'raspberrypi3', uuid: newUuid() } })),
  row('401 401 401 401 403 403 403 403 401 401 200 304 403 403 403 401', 'GET|HEAD', '/device/v2/:uuid/state', (w) => ({ method: 'GET', url: `/device/v2/${w.d1.uuid}/state` })),
  row('401 401 401 401 403 403 403 403 401 401 200 401 403 403 403 401', 'PATCH', '/device/v2/:uuid/state', (w) => ({ method: 'PATCH', url: `/device/v2/${w.d1.uuid}/state`, body: { local: { ip_address: '10.0.0.2' } } })),
  row('401 401 401 401 403 403 403 403 401 401 200 304 403 403 403 401', 'GET|HEAD', '/device/v3/:uuid/state', (w) => ({ method: 'GET', url: `/device/v3/${w.d1.uuid}/state` })),
  row('401 401 401 401 403 403 403 403 401 401 200 401 403 403 403 401', 'PATCH', '/device/v3/:uuid/state', (w) => ({ method: 'PATCH', url: `/device/v3/${w.d1.uuid}/state`, body: { [w.d1.uuid]: { ip_address: '10.0.0.3' } } })),
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/devices/:uuid/status-history', (w) => ({ method: 'GET', url: `/mooring/v1/devices/${w.d1.uuid}/status-history` })),
  // events (issue 20): users only; the stream with a bad filter, so that an allowed caller's answer ends (400)
  row('401 401 401 401 200 200 200 200 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/events', get('/mooring/v1/events?after=0&limit=5')),
  row('401 401 401 401 400 400 400 400 401 401 403 403 403 403 400 401', 'GET|HEAD', '/mooring/v1/events/stream', get('/mooring/v1/events/stream?types=device.bogus')),
  // webhooks (issue 20): organization administrators only; mia is a member, so an endpoint of her organization is 404 and creating one 403; limited keys 403
  row('401 401 401 401 403 403 403 403 401 401 403 403 403 403 403 401', 'POST', '/mooring/v1/webhooks', (w) => ({ method: 'POST', url: '/mooring/v1/webhooks', body: { organization: w.org, url: 'https://example.com/hook' } })),
  row('401 401 401 401 200 200 403 403 401 401 403 403 403 403 200 401', 'GET|HEAD', '/mooring/v1/webhooks', get('/mooring/v1/webhooks')),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'GET|HEAD', '/mooring/v1/webhooks/:id', async (w) => ({ method: 'GET', url: `/mooring/v1/webhooks/${await webhookOf(w)}` })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'PATCH', '/mooring/v1/webhooks/:id', async (w) => ({ method: 'PATCH', url: `/mooring/v1/webhooks/${await webhookOf(w)}`, body: { enabled: false } })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'DELETE', '/mooring/v1/webhooks/:id', async (w) => ({ method: 'DELETE', url: `/mooring/v1/webhooks/${await webhookOf(w)}` })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'POST', '/mooring/v1/webhooks/:id/rotate-secret', async (w) => ({ method: 'POST', url: `/mooring/v1/webhooks/${await webhookOf(w)}/rotate-secret`, body: { gracePeriodSeconds: 0 } })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'GET|HEAD', '/mooring/v1/webhooks/:id/deliveries', async (w) => ({ method: 'GET', url: `/mooring/v1/webhooks/${await webhookOf(w)}/deliveries` })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'POST', '/mooring/v1/webhooks/:id/redeliver', async (w) => ({ method: 'POST', url: `/mooring/v1/webhooks/${await webhookOf(w)}/redeliver`, body: { since: '2026-01-01T00:00:00Z' } })),
  row('401 401 401 401 404 404 403 403 401 401 403 403 403 403 404 401', 'POST', '/mooring/v1/webhooks/:id/test', async (w) => ({ method: 'POST', url: `/mooring/v1/webhooks/${await webhookOf(w)}/test` })),
  // last: it revokes mia's other sessions (the session column's own session stays valid)
  row('401 401 401 401 200 401 401 401 401 401 403 403 403 403 401 401', 'POST', '/mooring/v1/sessions/revoke-others', () => ({ method: 'POST', url: '/mooring/v1/sessions/revoke-others' })),
];

/** A (disabled) webhook endpoint of mia's organization, made by the instance administrator. */
const webhooks = new WeakMap<MatrixWorld, Promise<number>>();
function webhookOf(w: MatrixWorld): Promise<number> {
  let id = webhooks.get(w);
  if (!id) {
    id = w.t.app
      .inject({
        method: 'POST',
        url: '/mooring/v1/webhooks',
        headers: { authorization: `Bearer ${w.admin}` },
        payload: { organization: w.org, url: 'https://example.com/hook', enabled: false },
      })
      .then((res) => (JSON.parse(res.body) as { id: number }).id);
    webhooks.set(w, id);
  }
  return id;
}

describe.each(dialects())('security matrix: every route × every credential (%s)', (dialect) => {
  let t: TestApp;
  let w: MatrixWorld;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await buildMatrixWorld(t);
  });
  afterAll(async () => t?.close());

  for (const r of MATRIX) {
    for (const method of r.methods) {
      it(`${method} ${r.url}`, async () => {
        const actual: string[] = [];
        const details: string[] = [];
        const lastSigned = {};
        for (const kind of KINDS) {
          const base = await r.build(w);
          const req = method === 'HEAD' ? { ...base, method: 'HEAD' } : base;
          const res = await sendAs(w, kind as Kind, req, lastSigned);
          actual.push(String(res.status));
          details.push(`${kind}=${res.status} ${res.body.slice(0, 120)}`);
        }
        if (process.env.MATRIX_DISCOVER)
          console.log(`MATRIX ${method} ${r.url} '${actual.join(' ')}'\n  ${details.join('\n  ')}`);
        expect(actual.join(' '), details.join('\n')).toBe(r.expect.replace(/\s+/g, ' ').trim());
      });
    }
  }

  it('has a row for every registered route', () => {
    const covered = new Set(MATRIX.flatMap((r) => r.methods.map((m) => `${m} ${r.url}`)));
    const missing = t.app.mooring.routes.map((r) => `${r.method} ${r.url}`).filter((r) => !covered.has(r));
    expect(missing).toEqual([]);
    const stale = [...covered].filter((c) => !t.app.mooring.routes.some((r) => `${r.method} ${r.url}` === c));
    expect(stale, 'rows for routes that no longer exist').toEqual([]);
  });
});
