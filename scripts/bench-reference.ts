/**
 * The in-run reference design of the HTTP benchmark (issue #9's second reference figure): Fastify,
 * SHA-256 of the bearer value, one indexed lookup of the key and one of the device, and the same
 * device-status answer as Mooring's. No permissions, limits, OData or logging: it shows what the
 * simplest credential-checking server reaches on this machine, next to the bare ceiling.
 *
 *   BENCH_REFERENCE_DB=<file written by bench/reference.ts> node scripts/bench-reference.ts (via tsx)
 *
 * Answers only `GET /v7/device?$filter=uuid eq '<uuid>'…` with `Authorization: Bearer <key>`.
 * Prints `listening on http://…` once ready.
 */
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import { sha256Hex } from './bench/reference.js';

const file = process.env.BENCH_REFERENCE_DB;
if (!file) throw new Error('BENCH_REFERENCE_DB is not set');
const db = new SQLite(file, { readonly: true });
const findKey = db.prepare<[string], { actor: number }>('SELECT actor FROM api_key WHERE key_hash = ?');
const findDevice = db.prepare<[string], { uuid: string; api_heartbeat_state: string }>(
  'SELECT uuid, api_heartbeat_state FROM device WHERE uuid = ?',
);

const app = Fastify({ logger: false });
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

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
