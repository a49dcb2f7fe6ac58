/**
 * A fleet of simulated devices for demos, the dashboard and benchmarks: registers `count` devices
 * with a provisioning key (`POST /device/register`, as a real device would), then keeps each polling
 * `GET /device/v3/:uuid/state` with `If-None-Match` every `intervalMs` (± 10 % jitter). The first
 * `silentFraction` of them stop after `silentAfterPolls` polls, so they go `timeout` and `offline`.
 * Only needs `fetch`: it talks to any Mooring (or balena) API over HTTP.
 *
 * @example
 * const controller = new AbortController();
 * const report = runSimulator({ apiUrl: 'http://127.0.0.1:8080', provisioningKey, count: 100,
 *   intervalMs: 5000, silentFraction: 0.2, signal: controller.signal });
 * // … later
 * controller.abort(); console.log(await report);
 */
export interface SimulatorOptions {
  readonly apiUrl: string;
  readonly provisioningKey: string;
  /** The fleet to register into; default: the provisioning key's own fleet (from /actor/v1/whoami). */
  readonly fleetId?: number;
  /** A device type slug or alias; default `generic-amd64`. */
  readonly deviceType?: string;
  readonly count: number;
  readonly intervalMs: number;
  /** 0…1: the share of devices that go silent. */
  readonly silentFraction?: number;
  /** How many polls a silent device makes before it stops (default 1). */
  readonly silentAfterPolls?: number;
  /** Requests in flight at most (default 32). */
  readonly concurrency?: number;
  /** Stops the simulation; the returned promise then resolves with the report. */
  readonly signal: AbortSignal;
  /** Called once all devices are registered. */
  readonly onRegistered?: (devices: readonly SimulatedDevice[]) => void;
  /**
   * Called once, when the server's poll interval for these devices is first known, if it differs
   * from `intervalMs` (see {@link SimulatorReport.serverPollIntervalMs}).
   */
  readonly onServerPollInterval?: (serverPollIntervalMs: number) => void;
}

export interface SimulatedDevice {
  readonly id: number;
  readonly uuid: string;
  readonly silent: boolean;
}

export interface SimulatorReport {
  registered: number;
  polls: number;
  /** Polls answered 304 (the ETag matched). */
  notModified: number;
  /** Requests that failed (network error or an unexpected status). */
  errors: number;
  /** Devices that went silent. */
  silent: number;
  /** The last error seen, for diagnosis (never contains a key). */
  lastError: string | undefined;
  /**
   * The poll interval the server applies to these devices, read from the first target state
   * (`RESIN_SUPERVISOR_POLL_INTERVAL`): above `intervalMs` when the server's floor
   * (`MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS`) or a config variable overrides the simulated one, and
   * then a silent device is only detected after 1.5 × this interval plus the grace.
   */
  serverPollIntervalMs: number | undefined;
}

interface DeviceState extends SimulatedDevice {
  readonly key: string;
  etag: string | undefined;
  polls: number;
}

export async function runSimulator(options: SimulatorOptions): Promise<SimulatorReport> {
  validate(options);
  const report: SimulatorReport = {
    registered: 0,
    polls: 0,
    notModified: 0,
    errors: 0,
    silent: 0,
    lastError: undefined,
    serverPollIntervalMs: undefined,
  };
  const limit = limiter(options.concurrency ?? 32);
  const base = new URL('/', options.apiUrl);
  const fleetId = options.fleetId ?? (await ownFleet(base, options.provisioningKey));
  const silentCount = Math.floor(options.count * (options.silentFraction ?? 0));

  const devices: DeviceState[] = [];
  await Promise.all(
    Array.from({ length: options.count }, (_, i) =>
      limit(async () => {
        if (options.signal.aborted) return;
        try {
          const registered = await registerOne(base, options, fleetId);
          devices.push({ ...registered, silent: i < silentCount, etag: undefined, polls: 0 });
          report.registered++;
        } catch (err) {
          fail(report, err);
        }
      }),
    ),
  );
  options.onRegistered?.(devices.map(({ id, uuid, silent }) => ({ id, uuid, silent })));

  const silentAfter = Math.max(1, options.silentAfterPolls ?? 1);
  const sleep = sleeper(options.signal);
  let told = false;
  const loops = devices.map(async (device, i) => {
    // Spread the first polls over one interval so the fleet does not poll in lockstep.
    await sleep((options.intervalMs * i) / Math.max(1, devices.length));
    while (!options.signal.aborted) {
      if (device.silent && device.polls >= silentAfter) {
        report.silent++;
        return;
      }
      await limit(() => pollOne(base, device, report, options.signal));
      if (!told && report.serverPollIntervalMs !== undefined) {
        told = true;
        if (report.serverPollIntervalMs !== options.intervalMs)
          options.onServerPollInterval?.(report.serverPollIntervalMs);
      }
      await sleep(options.intervalMs * (0.9 + Math.random() * 0.2));
    }
  });
  await Promise.all(loops);
  return report;
}

function validate(o: SimulatorOptions): void {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1_000_000)
    throw new TypeError('count must be an integer from 1 to 1,000,000');
  if (!Number.isFinite(o.intervalMs) || o.intervalMs < 10) throw new TypeError('intervalMs must be ≥ 10');
  const fraction = o.silentFraction ?? 0;
  if (!(fraction >= 0 && fraction <= 1)) throw new TypeError('silentFraction must be between 0 and 1');
  if (typeof o.provisioningKey !== 'string' || o.provisioningKey === '')
    throw new TypeError('provisioningKey is required');
}

async function ownFleet(base: URL, key: string): Promise<number> {
  const res = await fetch(new URL('/actor/v1/whoami', base), { headers: auth(key), signal: timeout() });
  if (res.status !== 200) throw new Error(`whoami with the provisioning key answered ${res.status}`);
  const body = (await res.json()) as { actorType?: string; actorTypeId?: number };
  if (body.actorType !== 'application' || typeof body.actorTypeId !== 'number')
    throw new Error('the key is not a provisioning key (whoami is not an application)');
  return body.actorTypeId;
}

async function registerOne(
  base: URL,
  options: SimulatorOptions,
  fleetId: number,
): Promise<{ id: number; uuid: string; key: string }> {
  const uuid = randomHex(16);
  const res = await fetch(new URL('/device/register', base), {
    method: 'POST',
    headers: { ...auth(options.provisioningKey), 'content-type': 'application/json' },
    body: JSON.stringify({ application: fleetId, uuid, device_type: options.deviceType ?? 'generic-amd64' }),
    signal: timeout(),
  });
  if (res.status !== 201)
    throw new Error(`register answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { id: number; uuid: string; api_key: string };
  return { id: body.id, uuid: body.uuid, key: body.api_key };
}

async function pollOne(base: URL, device: DeviceState, report: SimulatorReport, signal: AbortSignal) {
  if (signal.aborted) return;
  try {
    const res = await fetch(new URL(`/device/v3/${device.uuid}/state`, base), {
      headers: { ...auth(device.key), ...(device.etag ? { 'if-none-match': device.etag } : {}) },
      signal: timeout(),
    });
    const body = await res.text();
    device.polls++;
    report.polls++;
    if (res.status === 304) report.notModified++;
    else if (res.status === 200) {
      device.etag = res.headers.get('etag') ?? undefined;
      report.serverPollIntervalMs ??= serverPollInterval(body, device.uuid);
    } else throw new Error(`state answered ${res.status}`);
  } catch (err) {
    if (!signal.aborted) fail(report, err);
  }
}

/** The interval the server tells the device to poll at (v3 state: `{[uuid]: {config: {…}}}`). */
function serverPollInterval(body: string, uuid: string): number | undefined {
  try {
    const state = JSON.parse(body) as Record<string, { config?: Record<string, string> } | undefined>;
    const value = Number(state[uuid]?.config?.RESIN_SUPERVISOR_POLL_INTERVAL);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

function fail(report: SimulatorReport, err: unknown): void {
  report.errors++;
  report.lastError = err instanceof Error ? err.message : String(err);
}

// Per request, not the run's signal: thousands of in-flight requests would each add a listener to it.
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);
const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

function randomHex(bytes: number): string {
  const buf = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `sleep(ms)` resolves after `ms`, or at once when the signal aborts. One abort listener for all
 * sleepers (thousands of devices would otherwise each add one to the signal).
 */
function sleeper(signal: AbortSignal): (ms: number) => Promise<void> {
  const pending = new Map<NodeJS.Timeout, () => void>();
  signal.addEventListener(
    'abort',
    () => {
      for (const [timer, resolve] of pending) {
        clearTimeout(timer);
        resolve();
      }
      pending.clear();
    },
    { once: true },
  );
  return (ms) =>
    signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            pending.delete(timer);
            resolve();
          }, ms);
          pending.set(timer, resolve);
        });
}

/** At most `n` of the given tasks run at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
