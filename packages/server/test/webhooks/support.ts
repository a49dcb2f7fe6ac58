import { createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { NewEvent } from '../../src/events/event-types.js';
import { appendEvents } from '../../src/events/event-writer.js';
import { request } from '../support/fleet-fixtures.js';
import { recordSecret } from '../support/secret-ledger.js';
import type { TestApp } from '../support/test-app.js';

/** Webhook tests reach 127.0.0.1 receivers; timers far apart (tests drive time with the clock). */
export const WEBHOOK_ENV = {
  MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '86400000',
  MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '86400000',
  MOORING_EVENT_MAINTENANCE_INTERVAL_MS: '86400000',
} as const;

export interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly path: string;
  /** performance.now() when the request's body was complete. */
  readonly at: number;
}

export type Answer =
  | { readonly status: number; readonly body?: string; readonly headers?: Record<string, string> }
  | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1. `answer` decides each response (default 200); `hang` keeps the
 * request open until the receiver closes. It tracks how many requests per webhook-id are open at once.
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (r: Received, index: number) => Answer = () => ({ status: 200, body: 'ok' });
  /** Most requests for one webhook-id open at the same time. */
  maxConcurrentPerId = 0;
  private readonly open = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: req.url ?? '',
        at: performance.now(),
      };
      const id = String(req.headers['webhook-id'] ?? '');
      const now = (this.open.get(id) ?? 0) + 1;
      this.open.set(id, now);
      this.maxConcurrentPerId = Math.max(this.maxConcurrentPerId, now);
      const close = (): void => {
        this.open.set(id, (this.open.get(id) ?? 1) - 1);
      };
      res.on('close', close);
      const index = this.received.length;
      this.received.push(r);
      for (const w of this.waiters.splice(0)) w();
      const answer = this.answer(r, index);
      if (answer === 'hang') {
        this.hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  }

  /** Resolves once `n` requests have arrived (rejects after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = performance.now() + timeoutMs;
    while (this.received.length < n) {
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`receiver: ${this.received.length} of ${n} requests after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Ends the requests held open by `hang`. */
  release(status = 200): void {
    for (const res of this.hanging) {
      if (!res.writableEnded) res.writeHead(status).end('released');
    }
    this.hanging.clear();
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export interface CreatedEndpoint {
  readonly id: number;
  readonly secret: string;
  readonly publicKey: string;
  readonly organization: number;
}

/** Creates an endpoint through the API (and records its secret for the suite-wide log scan). */
export async function createEndpoint(
  app: FastifyInstance,
  token: string,
  body: Record<string, unknown>,
): Promise<CreatedEndpoint> {
  const res = await request(app, 'POST', '/mooring/v1/webhooks', token, { organization: 1, ...body });
  if (res.status !== 201) throw new Error(`create endpoint: ${res.status} ${res.body}`);
  const created = res.json as CreatedEndpoint;
  recordSecret('signing-secret', created.secret);
  return created;
}

/** Verifies a `v1a,` signature with the published `whpk_` key, by node:crypto alone. */
export function verifyEd25519(publicKey: string, r: Received): boolean {
  const raw = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64');
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });
  const content = Buffer.from(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`);
  return String(r.headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((s) => s.startsWith('v1a,'))
    .some((s) => verify(null, content, key, Buffer.from(s.slice(4), 'base64')));
}

/** Appends device events straight through the event log's writer (for ordering and load tests). */
export async function writeDeviceEvents(
  t: TestApp,
  events: readonly { device: number; seq: number; organization?: number; fleet?: number }[],
): Promise<void> {
  const now = t.clock.now();
  const rows: NewEvent[] = events.map((e) => ({
    type: 'device.online',
    at: now,
    organization: e.organization ?? 1,
    application: e.fleet ?? null,
    actor: null,
    device: e.device,
    deviceUuid: `uuid${e.device}`,
    deviceSeq: e.seq,
    apiKey: null,
    previousStatus: 'offline',
    status: 'online',
    data: null,
  }));
  await t.ctx.db.kysely.transaction().execute((trx) => appendEvents(trx, rows, now));
  t.ctx.eventsWritten();
}

export interface DeliveryLog {
  readonly deliveries: {
    id: number;
    webhookId: string;
    eventId: number | null;
    type: string;
    status: string;
    attempts: number;
    nextAttemptAt: string | null;
    lastError: string | null;
    attemptLog: {
      attempt: number;
      statusCode: number | null;
      durationMs: number;
      error: string | null;
      response: string | null;
      succeeded: boolean;
    }[];
  }[];
  readonly next: number | null;
}

export async function deliveries(
  app: FastifyInstance,
  token: string,
  endpoint: number,
  query = '',
): Promise<DeliveryLog> {
  const res = await request(app, 'GET', `/mooring/v1/webhooks/${endpoint}/deliveries${query}`, token);
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${res.body}`);
  return res.json as DeliveryLog;
}

export const SECOND = 1000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
