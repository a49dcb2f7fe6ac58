/**
 * Is an answer the right one? Used on a sample of every scenario before it is timed: a scenario
 * whose answers are not 200 with the expected body is reported as not measurable, never timed.
 */
import type { Answer, BenchRequest, Expectation, Scenario, Send } from './scenarios.js';
import { DEVICE_STATUS_SELECT, FLEET_LIST_SELECT } from './scenarios.js';

type Json = Record<string, unknown>;

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function sameKeys(row: Json, select: string): boolean {
  const want = select.split(',').sort().join(',');
  return Object.keys(row).sort().join(',') === want;
}

function rowsOf(json: unknown): Json[] | undefined {
  const d = (json as { d?: unknown } | undefined)?.d;
  return Array.isArray(d) ? (d as Json[]) : undefined;
}

/** Null when the answer is right, else what is wrong with it (short, no secrets). */
export function checkAnswer(expect: Expectation, answer: Answer): string | null {
  if (answer.status !== 200) return `status ${answer.status}: ${answer.body.slice(0, 200)}`;
  const json = parse(answer.body);
  switch (expect.kind) {
    case 'device-status': {
      const rows = rowsOf(json);
      const row = rows?.[0];
      if (rows?.length !== 1 || !row) return `expected one device, got ${answer.body.slice(0, 200)}`;
      if (!sameKeys(row, DEVICE_STATUS_SELECT)) return `unexpected fields ${Object.keys(row).join(',')}`;
      if (row.uuid !== expect.uuid) return `wrong device ${String(row.uuid)}`;
      if (row.api_heartbeat_state !== expect.heartbeat) {
        return `api_heartbeat_state ${String(row.api_heartbeat_state)}, expected ${expect.heartbeat}`;
      }
      if (row.is_online !== (expect.heartbeat === 'online')) return `is_online ${String(row.is_online)}`;
      return null;
    }
    case 'fleet-devices': {
      const rows = rowsOf(json);
      if (!rows || rows.length !== expect.count) {
        return `expected ${expect.count} devices, got ${rows ? rows.length : answer.body.slice(0, 200)}`;
      }
      for (const row of rows) {
        const { is_of__device_type: type, ...rest } = row;
        if (!sameKeys(rest, FLEET_LIST_SELECT)) return `unexpected fields ${Object.keys(row).join(',')}`;
        const types = type as Json[] | undefined;
        if (!Array.isArray(types) || types.length !== 1 || types[0]?.slug !== expect.slug) {
          return `is_of__device_type ${JSON.stringify(type)}, expected [{"slug":"${expect.slug}"}]`;
        }
      }
      const names = rows.map((r) => String(r.device_name));
      if (names.some((n, i) => i > 0 && (names[i - 1] as string) > n)) return 'not ordered by device_name';
      return null;
    }
    case 'whoami': {
      const body = json as Json | undefined;
      if (body?.actorType !== 'user' || body.actorTypeId !== expect.userId) {
        return `expected user ${expect.userId}, got ${answer.body.slice(0, 200)}`;
      }
      if (body.username !== expect.username) return `wrong username ${String(body.username)}`;
      return null;
    }
    case 'state': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        return `expected a JSON object, got ${answer.body.slice(0, 200)}`;
      }
      return null;
    }
  }
}

/**
 * Sends `sample` requests of the scenario (spread over its list) and checks every answer. Single-use
 * scenarios must be given separate requests to check (a checked request cannot be replayed).
 */
export async function verifyScenario(
  send: Send,
  scenario: Scenario,
  sample = 20,
  requests: readonly BenchRequest[] = scenario.requests,
): Promise<string | null> {
  if (requests.length === 0) return 'no requests';
  const step = Math.max(1, Math.floor(requests.length / sample));
  for (let i = 0; i < requests.length && i / step < sample; i += step) {
    const request = requests[i] as BenchRequest;
    const problem = checkAnswer(request.expect, await send(request));
    if (problem) return `${request.method} ${request.path.slice(0, 80)}: ${problem}`;
  }
  return null;
}
