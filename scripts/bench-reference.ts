/**
 * The in-run reference designs of the HTTP benchmark, as a child process like Mooring and the
 * ceiling, so all pay the same process, socket and load-generator costs:
 *
 *   BENCH_REFERENCE_DB=<file written by writeReferenceDatabase> node scripts/bench-reference.ts (via tsx)
 *       the minimal credential-checking design (scripts/bench/reference.ts)
 *   … BENCH_REFERENCE_KIND=signed …
 *       the signature-verification limit (scripts/bench/signed-reference.ts)
 *
 * Prints `listening on http://…` once ready.
 */
import { referenceApp } from './bench/reference.js';
import { signedReferenceApp } from './bench/signed-reference.js';

const file = process.env.BENCH_REFERENCE_DB;
if (!file) throw new Error('BENCH_REFERENCE_DB is not set');
const app = process.env.BENCH_REFERENCE_KIND === 'signed' ? signedReferenceApp(file) : referenceApp(file);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
