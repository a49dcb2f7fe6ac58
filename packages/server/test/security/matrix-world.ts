import { randomBytes } from 'node:crypto';
import { actorKey, buildLimitsWorld, type LimitsWorld, namedKey } from '../api-keys/support.js';
import { createSigningKey, HOST, type SigningKey, signatureHeaders } from '../signatures/support.js';
import { request } from '../support/fleet-fixtures.js';
import { loginAs, type TestApp } from '../support/test-app.js';

/** The credential kinds of the security matrix, in column order. */
export const KINDS = [
  'none',
  'malformed',
  'expiredSession',
  'revokedSession',
  'session',
  'fullKey',
  'readOnlyKey',
  'fleetKey',
  'expiredKey',
  'revokedKey',
  'ownDevice',
  'otherDevice',
  'provisioningOwn',
  'provisioningOther',
  'signature',
  'replayed',
] as const;
export type Kind = (typeof KINDS)[number];

export interface MatrixRequest {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
}

/**
 * Everything the matrix rows refer to. The user credentials are member "mia"'s (organization with
 * fleets X and Y); "own" device and provisioning keys belong to device D1 / fleet X, the targets
 * of the rows; "other" ones to a device of / fleet Y.
 */
export interface MatrixWorld extends LimitsWorld {
  readonly t: TestApp;
  readonly credentials: Readonly<Record<Exclude<Kind, 'none' | 'signature' | 'replayed'>, string>>;
  readonly signing: SigningKey;
  /** Unique suffix per call, for names that must not collide. */
  unique(): string;
  /** A new environment variable of fleet X (a target that may be deleted). */
  freshFleetVar(): Promise<number>;
  /** A new provisioning key of fleet X (a key that may be rotated); its row id. */
  freshKeyId(): Promise<number>;
  /** A new session of mia (a session that may be revoked); its id. */
  freshSessionId(): Promise<string>;
}

const jti = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string }).jti;

export async function buildMatrixWorld(t: TestApp): Promise<MatrixWorld> {
  // Credentials that must be expired are made first, then time moves past them.
  const earlySession = await loginAs(t.app, 'admin', 'correct horse battery staple');
  void earlySession;
  const w0 = await buildLimitsWorld(t);
  const expiredSession = await loginAs(t.app, w0.member.username, w0.member.password);
  const expiredKey = await request(t.app, 'POST', '/api-key/user/full', w0.memberSession, {
    name: 'matrix-expiring',
    expiryDate: new Date(t.clock.now() + 60_000).toISOString(),
  });
  t.clock.advance(8 * 86_400_000); // past the 7-day session lifetime and the key's expiry
  const admin = await loginAs(t.app, 'admin', 'correct horse battery staple');
  const session = await loginAs(t.app, w0.member.username, w0.member.password);
  const setup = await loginAs(t.app, w0.member.username, w0.member.password);
  const world: LimitsWorld = { ...w0, admin, memberSession: setup };
  const revokedSession = await loginAs(t.app, w0.member.username, w0.member.password);
  await request(t.app, 'DELETE', `/mooring/v1/sessions/${jti(revokedSession)}`, session);
  const fullKey = await namedKey(t, setup, {}, 'matrix-full');
  const revokedKey = await namedKey(t, setup, {}, 'matrix-revoked');
  const keys = (await request(t.app, 'GET', '/v7/api_key?$select=id,name', admin)).json as {
    d: { id: number; name: string }[];
  };
  const revokedId = keys.d.find((k) => k.name === 'matrix-revoked')?.id;
  await request(t.app, 'DELETE', `/v7/api_key(${revokedId})`, admin);
  const yDevice = w0.yDevices[0];
  if (!yDevice) throw new Error('world without a device in Y');
  const otherDevice = await actorKey(t, setup, 'device', yDevice.id, 'matrix-other-device');
  const provisioningOther = await actorKey(t, setup, 'provisioning', w0.y.id, 'matrix-prov-y');
  const signing = await createSigningKey(t, setup, 'ed25519', { name: 'matrix-signing' });
  let counter = 0;
  return {
    ...world,
    t,
    signing,
    credentials: {
      malformed: 'mk_u_not-a-real-key',
      expiredSession,
      revokedSession,
      session,
      fullKey,
      readOnlyKey: w0.keys.memberRead,
      fleetKey: w0.keys.memberFleetX,
      expiredKey: expiredKey.json as string,
      revokedKey,
      ownDevice: w0.keys.deviceD1,
      otherDevice,
      provisioningOwn: w0.keys.provisioningX,
      provisioningOther,
    },
    unique: () => `${++counter}${randomBytes(3).toString('hex')}`,
    freshFleetVar: async () => {
      const res = await request(t.app, 'POST', '/v7/application_environment_variable', admin, {
        application: w0.x.id,
        name: `M_${++counter}`,
        value: 'v',
      });
      return (res.json as { id: number }).id;
    },
    freshKeyId: async () => {
      await actorKey(t, admin, 'provisioning', w0.x.id, `matrix-rot-${++counter}`);
      const rows = (await request(t.app, 'GET', '/v7/api_key?$select=id&$orderby=id%20desc&$top=1', admin))
        .json as { d: { id: number }[] };
      return rows.d[0]?.id ?? 0;
    },
    freshSessionId: async () => jti(await loginAs(t.app, w0.member.username, w0.member.password)),
  };
}

export interface Sent {
  readonly status: number;
  readonly body: string;
}

/** Sends one matrix request as one credential kind; `replayed` re-sends the previous signed request. */
export async function sendAs(
  w: MatrixWorld,
  kind: Kind,
  req: MatrixRequest,
  lastSigned: { headers?: Record<string, string>; req?: MatrixRequest },
): Promise<Sent> {
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  let headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (kind === 'signature') {
    const signed = await signatureHeaders(w.t, w.signing, {
      method: req.method,
      url: req.url,
      ...(body === undefined ? {} : { body }),
    });
    headers = { ...headers, ...signed };
    lastSigned.headers = headers;
    lastSigned.req = req;
  } else if (kind === 'replayed') {
    headers = lastSigned.headers ?? {};
    req = lastSigned.req ?? req;
  } else if (kind !== 'none') {
    headers = { ...headers, host: HOST, authorization: `Bearer ${w.credentials[kind]}` };
  }
  const res = await w.t.app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers,
    ...(req.body === undefined ? {} : { payload: JSON.stringify(req.body) }),
  });
  return { status: res.statusCode, body: res.body };
}
