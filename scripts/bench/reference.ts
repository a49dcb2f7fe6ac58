/**
 * The in-run reference design of the HTTP benchmark (scripts/bench-reference.ts): the minimal
 * correct server for each status-read scenario and whoami (issue #21 point 1): Fastify, SHA-256 of
 * the credential (Bearer header or `?apikey=`), one indexed SQLite lookup of its digest and one of
 * the device (within the credential's organization) or of the user, and the same answer bytes as
 * Mooring. It is built here so it is measured on the same machine, in the same run, as Mooring.
 * Its database holds only what that design needs. No permissions beyond the organization, no
 * limits, OData or logging.
 *
 * Session tokens are treated as what the minimal design would make them: opaque bearer values
 * looked up by digest (Mooring verifies a JWT and its session row on a credential-cache miss).
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { SeedResult } from './seed.js';

const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A session token obtained by logging in as `user` (a seeded user id). */
export interface ReferenceSession {
  readonly token: string;
  readonly user: number;
}

/**
 * The scenarios with a reference design (ids of scripts/bench/scenarios.ts), which one answers them,
 * and the target for Mooring ÷ reference (issue #21 points 1 and 2).
 */
export const REFERENCES: Readonly<
  Record<string, { readonly design: 'plain' | 'signed'; readonly target: number }>
> = {
  'status-bearer': { design: 'plain', target: 0.9 },
  'status-apikey': { design: 'plain', target: 0.9 },
  'status-session': { design: 'plain', target: 0.9 },
  whoami: { design: 'plain', target: 0.9 },
  'status-sig-ed25519': { design: 'signed', target: 0.8 },
  'status-sig-hmac': { design: 'signed', target: 0.8 },
};

export function writeReferenceDatabase(
  file: string,
  seed: SeedResult,
  sessions: readonly ReferenceSession[] = [],
): void {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE credential (digest TEXT PRIMARY KEY, user INTEGER NOT NULL, organization INTEGER NOT NULL);
      CREATE TABLE user (id INTEGER PRIMARY KEY, actor INTEGER NOT NULL, username TEXT NOT NULL, email TEXT);
      CREATE TABLE device (uuid TEXT PRIMARY KEY, organization INTEGER NOT NULL, api_heartbeat_state TEXT NOT NULL);`);
    const credential = db.prepare('INSERT INTO credential (digest, user, organization) VALUES (?, ?, ?)');
    const user = db.prepare('INSERT INTO user (id, actor, username, email) VALUES (?, ?, ?, ?)');
    const device = db.prepare(
      'INSERT INTO device (uuid, organization, api_heartbeat_state) VALUES (?, ?, ?)',
    );
    const orgOf = new Map(seed.users.map((u) => [u.id, u.organization]));
    db.transaction(() => {
      for (const u of seed.users) user.run(u.id, u.actor, u.username, u.email);
      for (const c of [...seed.namedKeys.map((k) => ({ token: k.key, user: k.user })), ...sessions]) {
        credential.run(sha256Hex(c.token), c.user, orgOf.get(c.user) ?? 0);
      }
      for (const d of seed.devices) device.run(d.uuid, d.organization, d.heartbeat);
    })();
  } finally {
    db.close();
  }
}

/** The credential of a request: the Bearer value, else `?apikey=`. */
function credentialOf(request: FastifyRequest<{ Querystring: { apikey?: string } }>): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) return header.startsWith('Bearer ') ? header.slice(7) : undefined;
  return request.query.apikey;
}

/**
 * Answers the benchmark's device-status read (`GET /v7/device?$filter=uuid eq '<uuid>'…`, Bearer
 * or `?apikey=`) and `GET /actor/v1/whoami` exactly as Mooring answers them; anything else is out of
 * its scope. An unknown credential answers 401.
 */
export function referenceApp(file: string): FastifyInstance {
  const db = new SQLite(file, { readonly: true });
  const findCredential = db.prepare<[string], { user: number; organization: number }>(
    'SELECT user, organization FROM credential WHERE digest = ?',
  );
  const findDevice = db.prepare<[string, number], { uuid: string; api_heartbeat_state: string }>(
    'SELECT uuid, api_heartbeat_state FROM device WHERE uuid = ? AND organization = ?',
  );
  const findUser = db.prepare<
    [number],
    { id: number; actor: number; username: string; email: string | null }
  >('SELECT id, actor, username, email FROM user WHERE id = ?');
  const app = Fastify({ logger: false });
  app.addHook('onClose', () => db.close());

  app.get<{ Querystring: { $filter?: string; apikey?: string } }>('/v7/device', (request, reply) => {
    const credential = credentialOf(request);
    const owner = credential === undefined ? undefined : findCredential.get(sha256Hex(credential));
    if (!owner) {
      reply.code(401).send();
      return;
    }
    const filter = request.query.$filter ?? '';
    const uuid = filter.slice(filter.indexOf("'") + 1, filter.lastIndexOf("'"));
    const device = findDevice.get(uuid, owner.organization);
    const rows = device
      ? [
          {
            uuid: device.uuid,
            api_heartbeat_state: device.api_heartbeat_state,
            is_online: device.api_heartbeat_state === 'online',
          },
        ]
      : [];
    reply.type('application/json').send(JSON.stringify({ d: rows }));
  });

  app.get<{ Querystring: { apikey?: string } }>('/actor/v1/whoami', (request, reply) => {
    const credential = credentialOf(request);
    const owner = credential === undefined ? undefined : findCredential.get(sha256Hex(credential));
    const user = owner ? findUser.get(owner.user) : undefined;
    if (!user) {
      reply.code(401).send();
      return;
    }
    reply.type('application/json').send(
      JSON.stringify({
        id: user.actor,
        actorType: 'user',
        actorTypeId: user.id,
        username: user.username,
        email: user.email,
      }),
    );
  });
  return app;
}
