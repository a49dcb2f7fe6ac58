/**
 * `npm run cluster -- --instances 3 [--port 8080] [--database-url postgres://…]`
 *
 * Starts N Mooring instances on one PostgreSQL database behind HAProxy on 127.0.0.1 and keeps them
 * running until Ctrl-C. Without --database-url it starts a throwaway PostgreSQL cluster of its own
 * (deleted on exit). Prints the load balancer's URL, each instance's URL and the admin password.
 */
import { parseArgs } from 'node:util';
import { rssOf, startCluster } from './cluster/cluster.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    'database-url': { type: 'string' },
  },
});

const instances = Number(values.instances);
const port = Number(values.port);
if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
  process.stderr.write('--instances must be an integer from 1 to 16\n');
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('--port must be an integer from 0 to 65535\n');
  process.exit(2);
}

const cluster = await startCluster({
  instances,
  port,
  ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
  ...(process.env.MOORING_ADMIN_PASSWORD ? { adminPassword: process.env.MOORING_ADMIN_PASSWORD } : {}),
});
process.stdout.write(
  [
    `Mooring cluster: ${cluster.instances.length} instances behind HAProxy at ${cluster.url}`,
    ...cluster.instances.map(
      (i) => `  instance ${i.index + 1}: ${i.url} (pid ${i.process.pid}, log ${i.logFile})`,
    ),
    `  database: ${cluster.postgres ? `throwaway PostgreSQL on port ${cluster.postgres.port}` : 'as given'}`,
    `  administrator: admin / ${cluster.adminPassword}`,
    '  per-instance metrics: <instance URL>/metrics; the database is the shared bottleneck to watch',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

const report = setInterval(() => {
  const rss = cluster.instances.map((i) => {
    const bytes = i.process.pid === undefined ? undefined : rssOf(i.process.pid);
    return bytes === undefined ? 'exited' : `${Math.round(bytes / 1048576)} MB`;
  });
  process.stdout.write(`RSS per instance: ${rss.join(', ')}\n`);
}, 60_000);

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
