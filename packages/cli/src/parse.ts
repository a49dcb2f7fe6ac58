import { usageError } from './cli-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90`, `90s`, `5m`, `2h`, `7d`, `1w` → seconds. */
export function parseDuration(raw: string, option: string): number {
  const match = /^(\d+)\s*([smhdw]?)$/i.exec(raw.trim());
  const amount = match?.[1];
  if (!match || amount === undefined) {
    throw usageError(
      `${option} "${raw}" is not a duration: expected a number with s, m, h, d or w (e.g. 30s, 5m, 2h)`,
    );
  }
  return Number(amount) * (UNIT_SECONDS[(match[2] || 's').toLowerCase()] ?? 1);
}

/**
 * `--expires`: an ISO 8601 date or date-time (`2027-01-31`, `2027-01-31T12:00:00Z`) or a duration from
 * now (`30d`, `12h`). Must be in the future: a key that is born expired is a typo.
 */
export function parseExpiry(raw: string, nowMs: number): string {
  const text = raw.trim();
  let at: number;
  if (/^\d+\s*[smhdw]$/i.test(text)) {
    at = nowMs + parseDuration(text, '--expires') * 1000;
  } else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    // A bare date means the start of that day in UTC, never the local time zone of whoever typed it.
    at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', 'T'));
  } else {
    at = Number.NaN;
  }
  if (!Number.isFinite(at)) {
    throw usageError(
      `--expires "${raw}" is not a date or duration: expected e.g. 2027-01-31, 2027-01-31T12:00:00Z or 90d`,
    );
  }
  if (at <= nowMs) throw usageError(`--expires "${raw}" is in the past`);
  return new Date(at).toISOString();
}

/** A positive integer id (`key revoke 12`). */
export function parseId(raw: string, what: string): number {
  if (!/^\d{1,10}$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 2_147_483_647) {
    throw usageError(`${what} "${raw}" is not an id: expected a positive integer`);
  }
  return Number(raw);
}

/** Fleets are named by id or slug: digits are an id, anything else a slug. */
export function parseFleetRef(raw: string): number | string {
  const text = raw.trim();
  if (text === '') throw usageError('a fleet must be given by id or slug, not an empty string');
  return /^\d+$/.test(text) ? parseId(text, 'fleet') : text;
}

/**
 * Devices are named by numeric id (up to 10 digits) or UUID: the full 32 or 62 hexadecimal digits, or
 * a prefix of at least 7 that the CLI resolves when it is unambiguous. 7 to 10 decimal digits could be
 * either (a random UUID starts with seven decimal digits about 4% of the time), so the CLI asks for both.
 */
export type DeviceRef =
  | { readonly id: number }
  | { readonly uuid: string }
  | { readonly uuidPrefix: string }
  | { readonly idOrUuidPrefix: { readonly id: number; readonly prefix: string } };

export function parseDeviceRef(raw: string): DeviceRef {
  const text = raw.trim().toLowerCase();
  if (/^\d{7,10}$/.test(text)) return { idOrUuidPrefix: { id: parseId(text, 'device'), prefix: text } };
  if (/^\d{1,6}$/.test(text)) return { id: parseId(text, 'device') };
  if (/^[0-9a-f]{32}$|^[0-9a-f]{62}$/.test(text)) return { uuid: text };
  if (/^[0-9a-f]{7,61}$/.test(text)) return { uuidPrefix: text };
  throw usageError(
    `device "${raw}" is not a device UUID or id: expected hexadecimal digits (at least 7) or a number`,
  );
}

/** Commander's collector for repeatable options (`--scope a --scope b`, also `--scope a,b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}
