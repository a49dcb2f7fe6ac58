/**
 * Request counts and latency histograms by route pattern, kept in plain numbers and written in the
 * Prometheus text format at scrape time. Not prom-client's Histogram: its `observe` hashes the label
 * values on every call (0.4–1 µs measured here), ours is an array index and a short bucket scan,
 * paid by every request. Labels are bounded by construction: the route *pattern* a route was
 * registered with (never the URL), the method of that route, and the status code the server sent.
 */

/** Upper bounds in seconds; a status read takes ~0.1 ms, a cold OData read can take seconds. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Requests that matched no route share one series: their URLs are the client's, not ours. */
export const UNMATCHED_ROUTE = '(unmatched)';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

class Latency {
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;
}

/** One route and method: the unit a per-route response hook holds, so a request costs no lookup. */
export class RouteSeries {
  /** Status code → responses (bounded: only codes this server sends). */
  readonly statuses = new Map<number, number>();
  /** Indexed by status class (1xx … 5xx). */
  readonly latency: (Latency | undefined)[] = [undefined, undefined, undefined, undefined, undefined];

  constructor(
    readonly method: string,
    readonly route: string,
  ) {}

  observe(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const index = status >= 100 && status < 600 ? ((status / 100) | 0) - 1 : 4;
    let latency = this.latency[index];
    if (latency === undefined) {
      latency = new Latency();
      this.latency[index] = latency;
    }
    latency.sum += seconds;
    latency.count++;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= (LATENCY_BUCKETS[i] as number)) {
        (latency.buckets[i] as number)++;
        break;
      }
    }
  }
}

/** Every route's series, created when the route is registered (or on a method's first request). */
export class HttpStats {
  private readonly series = new Map<string, RouteSeries>();

  route(method: string, route: string): RouteSeries {
    const key = `${method} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = new RouteSeries(method, route);
      this.series.set(key, series);
    }
    return series;
  }

  /** How many distinct label sets the two metrics hold (tests: cardinality stays bounded). */
  cardinality(): { requests: number; latency: number } {
    let requests = 0;
    let latency = 0;
    for (const s of this.series.values()) {
      requests += s.statuses.size;
      latency += s.latency.filter((l) => l !== undefined).length;
    }
    return { requests, latency };
  }

  /** The Prometheus text exposition (format 0.0.4) of both metrics. */
  exposition(): string {
    const out: string[] = [
      '# HELP mooring_http_requests_total Responses sent, by method, route pattern and status code.',
      '# TYPE mooring_http_requests_total counter',
    ];
    const sorted = [...this.series.values()].sort((a, b) =>
      a.route === b.route ? a.method.localeCompare(b.method) : a.route.localeCompare(b.route),
    );
    for (const s of sorted) {
      const labels = `method="${escapeLabel(s.method)}",route="${escapeLabel(s.route)}"`;
      for (const [status, n] of [...s.statuses].sort((a, b) => a[0] - b[0])) {
        out.push(`mooring_http_requests_total{${labels},status="${status}"} ${n}`);
      }
    }
    out.push(
      '# HELP mooring_http_request_duration_seconds Time from the request to the end of the response, by method, route pattern and status class.',
      '# TYPE mooring_http_request_duration_seconds histogram',
    );
    for (const s of sorted) {
      const labels = `method="${escapeLabel(s.method)}",route="${escapeLabel(s.route)}"`;
      s.latency.forEach((latency, index) => {
        if (latency === undefined) return;
        const base = `${labels},status_class="${STATUS_CLASSES[index]}"`;
        let cumulative = 0;
        LATENCY_BUCKETS.forEach((bound, i) => {
          cumulative += latency.buckets[i] ?? 0;
          out.push(`mooring_http_request_duration_seconds_bucket{${base},le="${bound}"} ${cumulative}`);
        });
        out.push(`mooring_http_request_duration_seconds_bucket{${base},le="+Inf"} ${latency.count}`);
        out.push(`mooring_http_request_duration_seconds_sum{${base}} ${latency.sum}`);
        out.push(`mooring_http_request_duration_seconds_count{${base}} ${latency.count}`);
      });
    }
    return `${out.join('\n')}\n`;
  }
}

/** Prometheus label values escape backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
