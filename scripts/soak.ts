/**
 * `npm run soak -- --minutes 30 [--instances 3] [--concurrency 16] [--report-seconds 60]`
 *
 * Mixed load on a local cluster (scripts/cluster): status reads by API key, whoami, environment
 * variable writes and device polls, spread over the instances by HAProxy. Prints, per report
 * interval, requests per second, p50/p99 latency, non-2xx answers and the RSS of every instance.
 * Exits 1 if any instance died, any request answered 5xx, or an instance's RSS grew by more than
 * 10 % between the end of the warm-up (the first fifth, at least one interval) and the end.
 */
import { parseArgs } from 'node:util';
import { rssOf, startCluster } from './cluster/cluster.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    instances: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    'report-seconds': { type: 'string', default: '60' },
  },
});
const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const reportMs = Number(values['report-seconds']) * 1000;
if (
  !(minutes > 0 && minutes <= 24 * 60) ||
  !(concurrency >= 1 && concurrency <= 256) ||
  !(reportMs >= 1000)
) {
  process.stderr.write('usage: --minutes 0<m≤1440 --concurrency 1–256 --report-seconds ≥1\n');
  process.exit(2);
}

const cluster = await startCluster({ instances: Number(values.instances), port: 0 });
const stopCluster = async (code: number): Promise<never> => {
  await cluster.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stopCluster(130));
process.on('uncaughtException', (error) => {
  process.stderr.write(`soak: ${error.stack ?? String(error)}\n`);
  void stopCluster(1);
});
process.on('unhandledRejection', (error) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
  void stopCluster(1);
});

async function call(method: string, path: string, credential: string, body?: unknown): Promise<Response> {
  return fetch(`${cluster.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${credential}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
}

// Set-up: a session, a key, a fleet and 50 devices with their own keys.
const session = await (
  await fetch(`${cluster.url}/login_`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: cluster.adminPassword }),
  })
).text();
const key = (await (
  await call('POST', '/api-key/user/full', session, { name: 'soak', expiryDate: null })
).json()) as string;
const typeId = (
  (await (await call('GET', "/v7/device_type?$select=id&$filter=slug eq 'raspberrypi3'", key)).json()) as {
    d: { id: number }[];
  }
).d[0]?.id;
const fleet = (
  (await (
    await call('POST', '/v7/application', key, {
      app_name: 'soak',
      organization: 1,
      is_for__device_type: typeId,
    })
  ).json()) as { id: number }
).id;
const devices: { uuid: string; key: string }[] = [];
for (let i = 0; i < 50; i++) {
  const uuid = crypto.randomUUID().replaceAll('-', '');
  const device = (await (
    await call('POST', '/v7/device', key, {
      belongs_to__application: fleet,
      is_of__device_type: typeId,
      uuid,
      device_name: `soak-${i}`,
    })
  ).json()) as { id: number };
  const deviceKey = (await (
    await call('POST', `/api-key/device/${device.id}/device-key`, session, {})
  ).json()) as string;
  devices.push({ uuid, key: deviceKey });
}

type Op = () => Promise<Response>;
let writes = 0;
const ops: Op[] = [
  () =>
    call('GET', `/v7/device?$select=uuid,is_online&$filter=belongs_to__application eq ${fleet}&$top=10`, key),
  () => call('GET', '/actor/v1/whoami', key),
  () => {
    const d = devices[Math.floor(Math.random() * devices.length)] as { uuid: string; key: string };
    return call('GET', `/device/v3/${d.uuid}/state`, d.key);
  },
  () => {
    // Writes then deletes, so the table (and the database) does not grow with the soak's length.
    const name = `SOAK_${writes++ % 500}`;
    return call('POST', '/v7/application_environment_variable', key, {
      application: fleet,
      name,
      value: 'v',
    }).then((res) =>
      res.status === 409
        ? call(
            'DELETE',
            `/v7/application_environment_variable?$filter=application eq ${fleet} and name eq '${name}'`,
            key,
          )
        : res,
    );
  },
];

let latencies: number[] = [];
let answers = new Map<number, number>();
let serverErrors = 0;
const endAt = Date.now() + minutes * 60_000;
const worker = async (): Promise<void> => {
  while (Date.now() < endAt) {
    const op = ops[Math.floor(Math.random() * ops.length)] as Op;
    const start = performance.now();
    let status = 0;
    try {
      const res = await op();
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    latencies.push(performance.now() - start);
    answers.set(status, (answers.get(status) ?? 0) + 1);
    if (status >= 500 || status === 0) serverErrors++;
  }
};

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
const rssSeries: number[][] = cluster.instances.map(() => []);
const intervals = Math.max(1, Math.round((minutes * 60_000) / reportMs));
const warmup = Math.max(1, Math.floor(intervals / 5));
let interval = 0;
const report = setInterval(() => {
  interval++;
  const sorted = latencies.sort((a, b) => a - b);
  const rss = cluster.instances.map((instance, i) => {
    const bytes = instance.process.pid === undefined ? undefined : rssOf(instance.process.pid);
    if (bytes !== undefined) rssSeries[i]?.push(bytes);
    return bytes === undefined ? 'exited' : `${(bytes / 1048576).toFixed(0)} MB`;
  });
  const other = [...answers].filter(([s]) => s < 200 || s >= 300).map(([s, n]) => `${s}×${n}`);
  process.stdout.write(
    `[${interval}/${intervals}${interval <= warmup ? ' warm-up' : ''}] ${(sorted.length / (reportMs / 1000)).toFixed(0)} req/s, ` +
      `p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms, ` +
      `non-2xx ${other.join(' ') || 'none'}, RSS ${rss.join(' / ')}\n`,
  );
  latencies = [];
  answers = new Map();
}, reportMs);

await Promise.all(Array.from({ length: concurrency }, () => worker()));
clearInterval(report);

const failures: string[] = [];
cluster.instances.forEach((instance, i) => {
  if (instance.exit) failures.push(`instance ${i + 1} exited (${JSON.stringify(instance.exit)})`);
  const series = rssSeries[i] ?? [];
  const base = series[warmup - 1];
  const last = series.at(-1);
  if (base !== undefined && last !== undefined && series.length > warmup && last > base * 1.1) {
    failures.push(
      `instance ${i + 1} RSS grew ${(((last - base) / base) * 100).toFixed(1)} % after warm-up (${(base / 1048576).toFixed(0)} → ${(last / 1048576).toFixed(0)} MB)`,
    );
  }
});
if (serverErrors > 0) failures.push(`${serverErrors} requests answered 5xx or failed`);
process.stdout.write(failures.length === 0 ? 'soak: PASS\n' : `soak: FAIL\n  ${failures.join('\n  ')}\n`);
await stopCluster(failures.length === 0 ? 0 : 1);
