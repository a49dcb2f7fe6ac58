/**
 * The fleet-status reference design (scripts/bench-fleet.ts): Fastify, the same indexed SQLite query
 * Mooring needs (device by fleet), the same fields and `JSON.stringify`. No authentication,
 * permissions, OData or ETag: the floor any fleet list pays on this machine. Own process.
 *
 *   BENCH_REFERENCE_DB=<Mooring's SQLite file> node --import tsx scripts/bench-fleet-reference.ts
 */
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';

const file = process.env.BENCH_REFERENCE_DB;
if (!file) throw new Error('BENCH_REFERENCE_DB is not set');
const db = new SQLite(file, { readonly: true });
const byFleet = db.prepare<[number], { uuid: string; s: string; at: number | null }>(
  'SELECT uuid, api_heartbeat_state AS s, last_api_heartbeat_at AS at FROM device WHERE belongs_to__application = ? ORDER BY id',
);
const app = Fastify({ logger: false });
app.get<{ Querystring: { $filter?: string } }>('/v7/device', (request, reply) => {
  const fleet = Number(/eq (\d+)/.exec(request.query.$filter ?? '')?.[1]);
  const d = byFleet.all(fleet).map((row) => ({
    uuid: row.uuid,
    is_online: row.s === 'online',
    api_heartbeat_state: row.s,
    mooring_last_heartbeat_at: row.at === null ? null : new Date(row.at).toISOString(),
  }));
  reply.type('application/json').send(JSON.stringify({ d }));
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
