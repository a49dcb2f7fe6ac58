/**
 * Webhook side of the events benchmark (scripts/bench-events.ts): a local receiver on 127.0.0.1 that
 * checks every delivery's `v1` HMAC signature (Standard Webhooks), records when it arrived, its
 * `webhook-id`, cursor, device and deviceSeq per endpoint, and can go down (connections refused)
 * and come back on the same port; plus creating and deleting endpoints through the API.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly eventId: number;
  readonly type: string;
  readonly device: number;
  readonly deviceSeq: number;
  readonly webhookId: string;
  readonly arrivedAt: number;
}

export interface EndpointLog {
  secret: Buffer;
  readonly deliveries: Delivery[];
  badSignatures: number;
}

function verify(secret: Buffer, req: IncomingMessage, body: string): boolean {
  const id = req.headers['webhook-id'];
  const timestamp = req.headers['webhook-timestamp'];
  const header = req.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof header !== 'string') return false;
  const expected = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(' ').some((candidate) => {
    if (!candidate.startsWith('v1,')) return false;
    const given = Buffer.from(candidate.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Receives on `/e/<name>`; every endpoint's log is kept until {@link reset}. */
export class Receiver {
  readonly logs = new Map<string, EndpointLog>();
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Registers an endpoint's secret (`whsec_…`) under its path name. */
  expect(name: string, secret: string): EndpointLog {
    const log = {
      secret: Buffer.from(secret.slice('whsec_'.length), 'base64'),
      deliveries: [],
      badSignatures: 0,
    };
    this.logs.set(name, log);
    return log;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrivedAt = Date.now();
        const name = (req.url ?? '').slice('/e/'.length);
        const log = this.logs.get(name);
        const body = Buffer.concat(chunks).toString('utf8');
        if (!log) {
          res.writeHead(404).end();
          return;
        }
        if (!verify(log.secret, req, body)) {
          log.badSignatures++;
          res.writeHead(400).end();
          return;
        }
        const { data } = JSON.parse(body) as {
          data: { id: number; type: string; device: number; deviceSeq: number };
        };
        log.deliveries.push({
          eventId: data.id,
          type: data.type,
          device: data.device,
          deviceSeq: data.deviceSeq,
          webhookId: String(req.headers['webhook-id']),
          arrivedAt,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Down: the port refuses connections (and open ones are cut) until {@link start} again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

export interface Endpoint {
  readonly id: number;
  readonly name: string;
}

export async function createEndpoint(
  base: string,
  key: string,
  receiver: Receiver,
  organization: number,
  name: string,
  types: readonly string[],
): Promise<Endpoint> {
  const res = await fetch(`${base}/mooring/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ organization, url: `${receiver.url}/e/${name}`, types }),
  });
  const body = (await res.json()) as { id?: number; secret?: string };
  if (res.status !== 201 || body.id === undefined || body.secret === undefined)
    throw new Error(`POST /mooring/v1/webhooks answered ${res.status}: ${JSON.stringify(body)}`);
  receiver.expect(name, body.secret);
  return { id: body.id, name };
}

export async function deleteEndpoint(base: string, key: string, endpoint: Endpoint): Promise<void> {
  const res = await fetch(`${base}/mooring/v1/webhooks/${endpoint.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${key}` },
  });
  await res.arrayBuffer();
}

export interface DeliveryCheck {
  /** Distinct events received (first receipt). */
  readonly events: number;
  /** Receipts of an event already received (same webhook-id: allowed, at least once). */
  readonly repeats: number;
  /** Events received under more than one webhook-id (must be 0). */
  readonly differentIds: number;
  /** Devices whose deviceSeq did not increase in first-receipt order (must be 0). */
  readonly outOfOrder: number;
  readonly badSignatures: number;
  /** Last first-receipt time. */
  readonly lastArrival: number;
}

/** `devices`: only their events count (others' late transitions may reach the same endpoint). */
export function checkDeliveries(log: EndpointLog, devices?: ReadonlySet<number>): DeliveryCheck {
  const ids = new Map<number, string>();
  const lastSeq = new Map<number, number>();
  let repeats = 0;
  let differentIds = 0;
  let outOfOrder = 0;
  let lastArrival = 0;
  for (const d of log.deliveries) {
    if (devices && !devices.has(d.device)) continue;
    const seen = ids.get(d.eventId);
    if (seen !== undefined) {
      repeats++;
      if (seen !== d.webhookId) differentIds++;
      continue;
    }
    ids.set(d.eventId, d.webhookId);
    lastArrival = Math.max(lastArrival, d.arrivedAt);
    const previous = lastSeq.get(d.device) ?? 0;
    if (!(d.deviceSeq > previous)) outOfOrder++;
    lastSeq.set(d.device, d.deviceSeq);
  }
  return {
    events: ids.size,
    repeats,
    differentIds,
    outOfOrder,
    badSignatures: log.badSignatures,
    lastArrival,
  };
}
