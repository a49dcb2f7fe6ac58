import { type KeyLimits, SCOPE_AREAS, type ScopeArea, type ScopeLevel } from '../auth/principal.js';
import { AppError } from '../errors/app-error.js';

/**
 * Scopes as sent by clients: `"read"` (read-only everywhere) or `"<area>:<read|write>"` with area one of
 * fleets, devices, env, keys. No scopes at all means the owner's full rights.
 */
export function parseScopes(scopes: readonly string[] | undefined | null): KeyLimits['areas'] | null {
  if (scopes === undefined || scopes === null) return null;
  if (!Array.isArray(scopes) || scopes.length === 0)
    throw new AppError('validation', 'scopes must be a non-empty array');
  const areas: Partial<Record<ScopeArea, ScopeLevel>> = {};
  for (const scope of scopes) {
    if (scope === 'read') {
      for (const area of SCOPE_AREAS) areas[area] ??= 'read';
      continue;
    }
    const match = /^(fleets|devices|env|keys):(read|write)$/.exec(String(scope));
    if (!match) {
      throw new AppError(
        'validation',
        `Unknown scope "${String(scope).slice(0, 40)}": use "read" or "<fleets|devices|env|keys>:<read|write>"`,
      );
    }
    const area = match[1] as ScopeArea;
    const level = match[2] as ScopeLevel;
    if (areas[area] !== 'write') areas[area] = level;
  }
  return areas;
}

export const FULL_AREAS: KeyLimits['areas'] = Object.freeze({
  fleets: 'write',
  devices: 'write',
  env: 'write',
  keys: 'write',
});

/** Stored form → limits; both columns null means "no limits". */
export function limitsFromColumns(scopes: string | null, fleetIds: string | null): KeyLimits | undefined {
  if (scopes === null && fleetIds === null) return undefined;
  return {
    areas: scopes === null ? FULL_AREAS : (JSON.parse(scopes) as KeyLimits['areas']),
    fleetIds: fleetIds === null ? null : (JSON.parse(fleetIds) as number[]),
  };
}

/** A key created by a limited credential may not exceed it (checked on every creation path). */
export function withinLimits(child: KeyLimits | undefined, parent: KeyLimits | undefined): boolean {
  if (!parent) return true;
  if (!child) return false;
  for (const area of SCOPE_AREAS) {
    const c = child.areas[area];
    const p = parent.areas[area];
    if (c && (!p || (c === 'write' && p === 'read'))) return false;
  }
  if (parent.fleetIds === null) return true;
  return child.fleetIds?.every((id) => parent.fleetIds?.includes(id)) ?? false;
}
