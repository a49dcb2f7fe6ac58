/**
 * The load generator of scripts/bench-ab.ts as a child process, so that it never shares an event
 * loop with the servers it drives: autocannon over the requests in a JSON file, one JSON line out.
 *
 *   node --import tsx scripts/bench/autocannon-child.ts <requests.json> <url> <seconds> [connections]
 */
import { readFileSync } from 'node:fs';
import { cursor, drive } from './load.js';
import type { BenchRequest } from './scenarios.js';

const [file, url, seconds, connections] = process.argv.slice(2);
if (!file || !url || !seconds) {
  process.stderr.write('usage: autocannon-child.ts <requests.json> <url> <seconds> [connections]\n');
  process.exit(2);
}
const requests = JSON.parse(readFileSync(file, 'utf8')) as BenchRequest[];
const result = await drive(url, cursor(requests), {
  seconds: Number(seconds),
  connections: Number(connections ?? 50),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
