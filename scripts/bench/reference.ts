/**
 * The in-run reference design of the HTTP benchmark (scripts/bench-reference.ts): issue #9's second
 * reference figure, "Fastify + SHA-256 of the bearer value + two indexed better-sqlite3 lookups",
 * rebuilt here so it is measured on the same machine, in the same run, as Mooring. Its database
 * holds only what that design needs: key digests with their owner, and each device's uuid and
 * heartbeat state. No permissions, limits, OData or logging.
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import type { SeedResult } from './seed.js';

const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

export function writeReferenceDatabase(file: string, seed: SeedResult): void {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE api_key (key_hash TEXT PRIMARY KEY, actor INTEGER NOT NULL);
      CREATE TABLE device (uuid TEXT PRIMARY KEY, api_heartbeat_state TEXT NOT NULL);`);
    const key = db.prepare('INSERT INTO api_key (key_hash, actor) VALUES (?, ?)');
    const device = db.prepare('INSERT INTO device (uuid, api_heartbeat_state) VALUES (?, ?)');
    db.transaction(() => {
      for (const k of seed.namedKeys) key.run(sha256Hex(k.key), k.user);
      for (const d of seed.devices) device.run(d.uuid, d.heartbeat);
    })();
  } finally {
    db.close();
  }
}

/**
 * Answers `GET /v7/device?$filter=uuid eq '<uuid>'…` with `Authorization: Bearer <key>` exactly as
 * Mooring answers the benchmark's device-status read; anything else is out of its scope.
 */
export function referenceApp(file: string): FastifyInstance {
  const db = new SQLite(file, { readonly: true });
  const findKey = db.prepare<[string], { actor: number }>('SELECT actor FROM api_key WHERE key_hash = ?');
  const findDevice = db.prepare<[string], { uuid: string; api_heartbeat_state: string }>(
    'SELECT uuid, api_heartbeat_state FROM device WHERE uuid = ?',
  );
  const app = Fastify({ logger: false });
  app.addHook('onClose', () => db.close());
  app.get<{ Querystring: { $filter?: string } }>('/v7/device', (request, reply) => {
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ') || !findKey.get(sha256Hex(header.slice(7)))) {
      reply.code(401).send();
      return;
    }
    const filter = request.query.$filter ?? '';
    const device = findDevice.get(filter.slice(filter.indexOf("'") + 1, filter.lastIndexOf("'")));
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
  return app;
}
