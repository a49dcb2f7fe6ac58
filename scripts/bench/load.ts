/**
 * Drives one server with autocannon for a fixed duration and connection count, replaying a scenario's
 * precomputed requests round-robin through one cursor shared by all connections (so single-use
 * requests, i.e. signatures with unique nonces, are each sent once).
 */
import { createRequire } from 'node:module';
import type { BenchRequest } from './scenarios.js';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  '2xx': number;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  timeout: number;
  requests: { setupRequest: (request: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;

// autocannon is CommonJS without bundled types; this is the part of its API we use.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Server CPU time (user + system) per answered request, in µs, when the server's pid is known. */
  readonly cpuUsPerRequest?: number;
}

export interface Cursor {
  next(): BenchRequest;
  /** How many requests were taken beyond the list's end (replays of single-use requests). */
  readonly overrun: number;
  readonly taken: number;
}

export function cursor(requests: readonly BenchRequest[]): Cursor {
  if (requests.length === 0) throw new TypeError('no requests');
  let i = 0;
  return {
    next: () => requests[i++ % requests.length] as BenchRequest,
    get overrun() {
      return Math.max(0, i - requests.length);
    },
    get taken() {
      return i;
    },
  };
}

/**
 * `serverCpuMs` reads the server process's CPU time: CPU per request is what a busy, shared machine
 * distorts least (requests/s also depend on how much CPU the other processes leave).
 */
export async function drive(
  url: string,
  source: Cursor,
  options: { readonly seconds: number; readonly connections: number },
  serverCpuMs?: () => number | undefined,
): Promise<LoadResult> {
  const cpuBefore = serverCpuMs?.();
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const next = source.next();
          return { ...request, method: next.method, path: next.path, headers: { ...next.headers } };
        },
      },
    ],
  });
  const cpuAfter = serverCpuMs?.();
  const cpu =
    cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
      ? undefined
      : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
  return {
    ...(cpu === undefined ? {} : { cpuUsPerRequest: cpu }),
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
