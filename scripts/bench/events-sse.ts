/**
 * SSE subscribers of the events benchmark (scripts/bench-events.ts): raw node:http connections to
 * `/mooring/v1/events/stream` on 127.0.0.1, parsed cheaply (no JSON.parse per event in a burst: the
 * cursor, type, device and deviceSeq are cut out of the frame), counted per type, per-device order
 * checked by `deviceSeq`, and resumed with `Last-Event-ID` when the server asks (`event: reconnect`).
 */
import { Agent, type ClientRequest, request } from 'node:http';

export interface ReceivedEvent {
  readonly id: number;
  readonly type: string;
  readonly device: number;
  readonly deviceSeq: number;
  /** `Date.now()` when the frame was parsed. */
  readonly arrivedAt: number;
}

export interface SubscriberStats {
  readonly counts: Map<string, number>;
  /** Events whose deviceSeq was not greater than the previous one of that device. */
  outOfOrder: number;
  /** Events seen twice (same cursor). */
  duplicates: number;
  reconnects: number;
  lastArrival: number;
  firstArrival: number;
  /** Last arrival per event type. */
  readonly lastByType: Map<string, number>;
  ended: string | undefined;
}

const MAX_RECONNECTS = 50;

function numberAfter(text: string, key: string): number {
  const at = text.indexOf(key);
  if (at < 0) return Number.NaN;
  let end = at + key.length;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end++;
  }
  return Number(text.slice(at + key.length, end));
}

/** One stream. `onEvent` (optional) sees every event; counting and order checks happen here. */
export class SseClient {
  readonly stats: SubscriberStats = {
    counts: new Map(),
    outOfOrder: 0,
    duplicates: 0,
    reconnects: 0,
    lastArrival: 0,
    firstArrival: 0,
    lastByType: new Map(),
    ended: undefined,
  };
  private lastId = 0;
  private readonly lastSeq = new Map<number, number>();
  private buffer = '';
  private req: ClientRequest | undefined;
  private closed = false;

  constructor(
    private readonly base: string,
    private readonly query: string,
    private readonly key: string,
    private readonly agent: Agent,
    private readonly onEvent?: (e: ReceivedEvent) => void,
  ) {}

  /** Resolves when the stream's first line (`retry:`/`: cursor`) has arrived: it is subscribed. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = new URL(`/mooring/v1/events/stream?${this.query}`, this.base);
      const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
      if (this.lastId > 0) headers['last-event-id'] = String(this.lastId);
      let subscribed = false;
      const req = request(url, { agent: this.agent, headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`stream answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (!subscribed) {
            subscribed = true;
            resolve();
          }
          this.take(chunk);
        });
        res.on('end', () => this.ended());
        res.on('error', () => this.ended());
      });
      req.on('error', (err) => {
        if (!subscribed) reject(err);
        else this.ended();
      });
      req.end();
      this.req = req;
    });
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private ended(): void {
    if (this.closed) return;
    if (this.stats.ended === 'reconnect' && this.stats.reconnects < MAX_RECONNECTS) {
      this.stats.reconnects++;
      this.stats.ended = undefined;
      this.buffer = '';
      this.open().catch((err: unknown) => {
        this.stats.ended = `reconnect failed: ${(err as Error).message}`;
      });
      return;
    }
    this.stats.ended ??= 'closed by the server';
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const end = this.buffer.indexOf('\n\n', start);
      if (end < 0) break;
      this.frame(this.buffer.slice(start, end));
      start = end + 2;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
  }

  private frame(frame: string): void {
    const typeAt = frame.indexOf('event: ');
    if (typeAt < 0) return; // comments, retry:
    const type = frame.slice(typeAt + 7, frame.indexOf('\n', typeAt));
    if (type === 'reconnect' || type === 'unauthorized') {
      this.stats.ended = type;
      return;
    }
    const id = numberAfter(frame, 'id: ');
    const device = numberAfter(frame, '"device":');
    const deviceSeq = numberAfter(frame, '"deviceSeq":');
    const now = Date.now();
    if (this.stats.firstArrival === 0) this.stats.firstArrival = now;
    this.stats.lastArrival = now;
    if (id <= this.lastId) {
      this.stats.duplicates++;
      return;
    }
    this.lastId = id;
    this.stats.counts.set(type, (this.stats.counts.get(type) ?? 0) + 1);
    this.stats.lastByType.set(type, now);
    if (Number.isFinite(device)) {
      const previous = this.lastSeq.get(device) ?? 0;
      if (!(deviceSeq > previous)) this.stats.outOfOrder++;
      this.lastSeq.set(device, deviceSeq);
    }
    this.onEvent?.({ id, type, device, deviceSeq, arrivedAt: now });
  }
}

/** Opens `count` streams, `parallel` handshakes at a time; bounded by `timeoutMs`. */
export async function openSubscribers(
  base: string,
  key: string,
  query: string,
  count: number,
  onEvent?: (index: number, e: ReceivedEvent) => void,
  timeoutMs = 60_000,
): Promise<{ clients: SseClient[]; agent: Agent; openMs: number }> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const clients = Array.from(
    { length: count },
    (_, i) => new SseClient(base, query, key, agent, onEvent ? (e) => onEvent(i, e) : undefined),
  );
  const started = performance.now();
  const parallel = 50;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < clients.length) {
      if (performance.now() - started > timeoutMs)
        throw new Error(`subscribers not open within ${timeoutMs} ms`);
      await (clients[next++] as SseClient).open();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return { clients, agent, openMs: performance.now() - started };
}

export function closeSubscribers(set: { clients: SseClient[]; agent: Agent }): void {
  for (const c of set.clients) c.close();
  set.agent.destroy();
}
