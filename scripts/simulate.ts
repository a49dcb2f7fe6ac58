/**
 * `npm run simulate -- --api-url http://127.0.0.1:8080 --provisioning-key mk_p_… --count 100`
 *
 * Registers simulated devices into the provisioning key's fleet and keeps them polling their state
 * endpoint until Ctrl-C (or --duration-seconds). The key may come from MOORING_PROVISIONING_KEY
 * instead of the command line, which keeps it out of the shell history and `ps`.
 *
 *   --api-url URL              Mooring's URL (required)
 *   --provisioning-key KEY     a provisioning key (or MOORING_PROVISIONING_KEY)
 *   --fleet-id N               default: the key's own fleet
 *   --device-type SLUG         default: generic-amd64
 *   --count N                  devices to simulate (default 10)
 *   --interval-ms N            poll interval (default 10000)
 *   --silent-fraction F        0…1, share of devices that stop polling after --silent-after polls (default 0)
 *   --silent-after N           polls before a silent device stops (default 1)
 *   --concurrency N            requests in flight at most (default 32)
 *   --duration-seconds N       stop after N seconds (default: run until Ctrl-C)
 */
import { parseArgs } from 'node:util';
import { runSimulator } from '../packages/server/src/devices/simulator.js';

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`--${name} must be a number`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'api-url': { type: 'string' },
      'provisioning-key': { type: 'string' },
      'fleet-id': { type: 'string' },
      'device-type': { type: 'string' },
      count: { type: 'string' },
      'interval-ms': { type: 'string' },
      'silent-fraction': { type: 'string' },
      'silent-after': { type: 'string' },
      concurrency: { type: 'string' },
      'duration-seconds': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const key = values['provisioning-key'] ?? process.env.MOORING_PROVISIONING_KEY;
  if (values.help || !values['api-url'] || !key) {
    console.error(
      'usage: npm run simulate -- --api-url URL --provisioning-key KEY [--count N] [--interval-ms N] [--silent-fraction F] [--fleet-id N] [--device-type SLUG] [--duration-seconds N]',
    );
    process.exit(values.help ? 0 : 2);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const duration = number(values['duration-seconds'], 'duration-seconds', 0);
  if (duration > 0) setTimeout(() => controller.abort(), duration * 1000).unref();

  const started = Date.now();
  const fleetId = values['fleet-id'] === undefined ? undefined : number(values['fleet-id'], 'fleet-id', 0);
  const run = runSimulator({
    apiUrl: values['api-url'],
    provisioningKey: key,
    ...(fleetId === undefined ? {} : { fleetId }),
    ...(values['device-type'] === undefined ? {} : { deviceType: values['device-type'] }),
    count: number(values.count, 'count', 10),
    intervalMs: number(values['interval-ms'], 'interval-ms', 10_000),
    silentFraction: number(values['silent-fraction'], 'silent-fraction', 0),
    silentAfterPolls: number(values['silent-after'], 'silent-after', 1),
    concurrency: number(values.concurrency, 'concurrency', 32),
    signal: controller.signal,
    onServerPollInterval: (ms) =>
      console.warn(
        `warning: the server applies a poll interval of ${ms} ms to these devices, not the simulated one ` +
          '(its floor MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS, or a BALENA_SUPERVISOR_POLL_INTERVAL config variable): ' +
          `a silent device is reported after 1.5 × ${ms} ms plus the offline grace`,
      ),
    onRegistered: (devices) => {
      const silent = devices.filter((d) => d.silent).length;
      console.log(`registered ${devices.length} devices (${silent} will go silent); polling… Ctrl-C stops`);
    },
  });
  const progress = setInterval(() => console.log(`… ${Math.round((Date.now() - started) / 1000)} s`), 10_000);
  progress.unref();
  const report = await run;
  clearInterval(progress);
  console.log(JSON.stringify(report));
  if (report.registered === 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
