import type { FastifyInstance } from 'fastify';
import type { EventView } from '../../src/events/event-types.js';
import { request } from '../support/fleet-fixtures.js';

/** Manual heartbeat and event maintenance: tests drive flushes, sweeps and maintenance with the clock. */
export const MANUAL_ENV = {
  MOORING_HEARTBEAT_FLUSH_INTERVAL_MS: '86400000',
  MOORING_HEARTBEAT_SWEEP_INTERVAL_MS: '86400000',
  MOORING_EVENT_MAINTENANCE_INTERVAL_MS: '86400000',
} as const;

export interface Page {
  readonly status: number;
  readonly events: EventView[];
  readonly next: number;
  readonly body: string;
}

/** `GET /mooring/v1/events?…` as `token`. */
export async function feed(
  app: FastifyInstance,
  token: string,
  query: Record<string, string | number> = {},
): Promise<Page> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const res = await request(app, 'GET', `/mooring/v1/events${qs ? `?${qs}` : ''}`, token);
  const body = res.json as { events?: EventView[]; next?: number } | undefined;
  return { status: res.status, events: body?.events ?? [], next: body?.next ?? -1, body: res.body };
}

/** Every event visible to `token` after `after`, paging through the feed (bounded). */
export async function allEvents(app: FastifyInstance, token: string, after = 0): Promise<EventView[]> {
  const out: EventView[] = [];
  let cursor = after;
  for (let i = 0; i < 1000; i++) {
    const page = await feed(app, token, { after: cursor, limit: 1000 });
    if (page.status !== 200) throw new Error(`feed: ${page.status} ${page.body}`);
    out.push(...page.events);
    if (page.next === cursor) return out;
    cursor = page.next;
  }
  throw new Error('feed did not end');
}

/** The short form tests compare: type, device uuid, statuses, sequence. */
export function brief(e: EventView): string {
  return [
    e.type,
    e.deviceUuid?.slice(0, 6) ?? '-',
    `${e.previousStatus ?? ''}>${e.status ?? ''}`,
    e.deviceSeq ?? '-',
  ].join(' ');
}
