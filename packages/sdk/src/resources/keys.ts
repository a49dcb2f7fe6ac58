import { displayPrefix, parseApiKey } from '@mooring/protocol';
import { keyPath, odataString } from '../odata-query.js';
import type { Transport } from '../transport.js';
import type { ApiKeyInfo, ApiKeyKind, ApiKeyStatus, CreatedKey, CreateKeyInput, KeyUsage } from '../types.js';
import { notFound } from './lookup.js';

interface ApiKeyRow {
  id: number;
  name: string | null;
  description: string | null;
  display_prefix: string;
  kind: ApiKeyKind;
  scopes: Record<string, string> | string[] | string | null;
  fleet_ids: number[] | string | null;
  created_at: string;
  last_used_at: string | null;
  expiry_date: string | null;
  header_only: boolean;
  requires_signature: boolean;
  signing_alg: string | null;
}

const SELECT =
  'id,name,description,display_prefix,kind,scopes,fleet_ids,created_at,last_used_at,expiry_date,header_only,requires_signature,signing_alg';
const SOON_MS = 7 * 86_400_000;

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function jsonList<T>(value: T[] | string | null): T[] | null {
  const parsed = parseJson(value);
  return Array.isArray(parsed) ? (parsed as T[]) : null;
}

const AREAS = ['fleets', 'devices', 'env', 'keys'] as const;

/** The server stores scopes as `{ area: level }`; show them in the form they are created with. */
function scopeList(value: ApiKeyRow['scopes']): string[] | null {
  const parsed = parseJson(value);
  if (parsed === null || typeof parsed !== 'object') return null;
  if (Array.isArray(parsed)) return parsed.map(String);
  const areas = parsed as Record<string, unknown>;
  if (AREAS.every((area) => areas[area] === 'read')) return ['read'];
  return AREAS.filter((area) => typeof areas[area] === 'string').map(
    (area) => `${area}:${String(areas[area])}`,
  );
}

export function toKeyInfo(row: ApiKeyRow, now: number): ApiKeyInfo {
  const expiry = row.expiry_date === null ? null : Date.parse(row.expiry_date);
  const status: ApiKeyStatus =
    expiry === null
      ? 'active'
      : expiry <= now
        ? 'expired'
        : expiry - now <= SOON_MS
          ? 'expiring-soon'
          : 'active';
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    displayPrefix: row.display_prefix,
    kind: row.kind,
    scopes: scopeList(row.scopes),
    fleets: jsonList(row.fleet_ids),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiryDate: row.expiry_date,
    status,
    headerOnly: row.header_only,
    requiresSignature: row.requires_signature,
    signingAlg: row.signing_alg,
  };
}

interface IssuedKey {
  key: string;
  keyId?: string;
  signing?: { alg: 'hmac-sha256' | 'ed25519'; secret?: string; publicKey?: string };
  requiresSignature?: boolean;
}

function fromIssued(issued: IssuedKey): CreatedKey {
  const keyId = issued.keyId ?? parseApiKey(issued.key)?.publicId;
  return {
    key: issued.key,
    ...(keyId === undefined ? {} : { keyId }),
    ...(issued.signing?.secret === undefined ? {} : { signingSecret: issued.signing.secret }),
    ...(issued.signing === undefined ? {} : { signingAlg: issued.signing.alg }),
    ...(issued.requiresSignature === undefined ? {} : { requiresSignature: issued.requiresSignature }),
  };
}

/** Named API keys: create with limits or signing, list, rename, rotate, revoke. */
export class KeysResource {
  constructor(
    private readonly http: Transport,
    private readonly clock: () => number,
  ) {}

  /**
   * Keys the caller can see; by default their own named keys (`kind: 'user'`), newest first.
   *
   * @example
   * for (const k of await client.keys.list()) console.log(k.displayPrefix, k.name, k.status);
   * const provisioning = await client.keys.list({ kind: 'provisioning' });
   */
  async list(options: { kind?: ApiKeyKind | 'all' } = {}): Promise<ApiKeyInfo[]> {
    const kind = options.kind ?? 'user';
    const filter = kind === 'all' ? '' : `&$filter=${encodeURIComponent(`kind eq ${odataString(kind)}`)}`;
    const rows = await this.http.request<{ d: ApiKeyRow[] }>('GET', '/v7/api_key', {
      query: `$select=${SELECT}${filter}&$orderby=${encodeURIComponent('id desc')}`,
    });
    const now = this.clock();
    return rows.d.map((row) => toKeyInfo(row, now));
  }

  /**
   * Creates a named key for the logged-in user (needs a password login less than 20 minutes old).
   * The secret is in the answer only: store it now.
   *
   * @example
   * const { key, id } = await client.keys.create({ name: 'monitoring', expiryDate: null, scopes: ['read'] });
   */
  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const answer = await this.http.request<unknown>('POST', '/api-key/user/full', { body: input });
    // Plain keys come back as a JSON string (balena wire); signing keys as an object with the secret.
    const created = fromIssued(typeof answer === 'string' ? { key: answer } : (answer as IssuedKey));
    const id = await this.findId(created.key);
    return { ...created, ...(id === undefined ? {} : { id }) };
  }

  /**
   * Renames, re-describes or changes the expiry of a key (`expiryDate: null` = never expires).
   *
   * @example
   * await client.keys.update(12, { name: 'grafana', expiryDate: '2027-01-01T00:00:00Z' });
   */
  async update(
    id: number,
    changes: { name?: string; description?: string | null; expiryDate?: string | null },
  ): Promise<void> {
    const body: Record<string, unknown> = {};
    if (changes.name !== undefined) body.name = changes.name;
    if (changes.description !== undefined) body.description = changes.description;
    if (changes.expiryDate !== undefined) body.expiry_date = changes.expiryDate;
    if (Object.keys(body).length === 0) throw new TypeError('keys.update needs at least one change');
    await this.http.request('PATCH', keyPath('api_key', id), { body });
  }

  /**
   * Issues a successor with the same name and limits; the old key keeps working for the grace period.
   *
   * @example
   * const { key } = await client.keys.rotate(12, { gracePeriodSeconds: 3600 });
   */
  async rotate(id: number, options: { gracePeriodSeconds: number }): Promise<CreatedKey> {
    const rotated = await this.http.request<IssuedKey & { id: number; previousExpiresAt: string }>(
      'POST',
      `/mooring/v1/keys/${encodeURIComponent(String(id))}/rotate`,
      { body: { gracePeriodSeconds: options.gracePeriodSeconds } },
    );
    return { ...fromIssued(rotated), id: rotated.id, previousExpiresAt: rotated.previousExpiresAt };
  }

  /**
   * Revokes a key at once, on every instance.
   *
   * @example
   * await client.keys.revoke(12);
   */
  async revoke(id: number): Promise<void> {
    // DELETE of a missing row succeeds on the v7 wire; say NotFound instead of pretending.
    const found = await this.http.request<{ d: unknown[] }>('GET', keyPath('api_key', id), {
      query: '$select=id',
    });
    if (found.d.length === 0) throw notFound('API key', id);
    await this.http.request('DELETE', keyPath('api_key', id));
  }

  /**
   * Requests per UTC day for the last `days` days (1 … 90, default 30; today included and last) and
   * the last use, for a key the caller can read (`NotFound` otherwise). The server counts requests
   * in memory and writes them every few seconds, so the latest ones may not be in yet.
   *
   * @example
   * const { days, lastUsedAt } = await client.keys.usage(12, { days: 7 });
   * for (const d of days) console.log(d.day, d.requests);
   */
  async usage(id: number, options: { days?: number } = {}): Promise<KeyUsage> {
    return this.http.request<KeyUsage>('GET', `/mooring/v1/keys/${encodeURIComponent(String(id))}/usage`, {
      query: { days: options.days ?? 30 },
    });
  }

  private async findId(key: string): Promise<number | undefined> {
    const prefix = displayPrefix(key);
    if (prefix === null) return undefined;
    const rows = await this.http.request<{ d: { id: number }[] }>('GET', '/v7/api_key', {
      query: `$select=id&$filter=${encodeURIComponent(`display_prefix eq ${odataString(prefix)}`)}`,
    });
    return rows.d[0]?.id;
  }
}
