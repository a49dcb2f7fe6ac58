/**
 * The in-run ceiling of the HTTP benchmark: a bare Fastify server (no logger, no hooks, no database)
 * answering every GET with a device-status body of the same shape and size as Mooring's answer.
 * Run by scripts/bench-http.ts as a child process, like Mooring, so both pay the same process,
 * socket and load-generator costs; the ratio Mooring / ceiling is what the targets are about.
 *
 *   node scripts/bench-ceiling.ts   (via tsx)   BENCH_CEILING_PORT=0 by default
 *
 * Prints `listening on http://…` once ready.
 */
import Fastify from 'fastify';
import { deviceStatusBody } from './bench/scenarios.js';

const body = deviceStatusBody('0123456789abcdef0123456789abcdef');
const app = Fastify({ logger: false });
app.get('/*', (_request, reply) => {
  reply.type('application/json').send(body);
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_CEILING_PORT ?? 0) });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
