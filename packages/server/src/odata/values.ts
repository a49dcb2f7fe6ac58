import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors/app-error.js';
import type { ParamValue } from './ast.js';
import { ConstSlot, type Conversion, ParamSlot, PrincipalSlot } from './slots.js';

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/** Turns the compiled plan's slots into this request's bound values, validating each literal. */
export function bindValues(
  slots: readonly unknown[],
  params: readonly ParamValue[],
  principal: Principal | null,
): unknown[] {
  return slots.map((slot) => {
    if (slot instanceof ParamSlot) return convert(params[slot.index], slot.as);
    if (slot instanceof PrincipalSlot) {
      if (slot.field === 'fleetId') return principal?.limits?.fleetIds?.[slot.index] ?? null;
      return principal?.[slot.field] ?? null;
    }
    if (slot instanceof ConstSlot) return slot.value;
    // A value the server itself bound (never request input): passed through unchanged.
    return slot;
  });
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function convert(value: ParamValue | undefined, as: Conversion): unknown {
  if (value === undefined) throw new Error('plan/parameter mismatch');
  // Neither database stores NUL in text (PostgreSQL refuses it, SQLite truncates at it).
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new AppError('odata_syntax', 'String literals may not contain NUL characters');
  }
  switch (as) {
    case 'raw':
      return typeof value === 'object' ? value.datetime : value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
        throw new AppError('odata_syntax', `Expected an integer literal, got ${String(value).slice(0, 30)}`);
      }
      return value;
    case 'boolean':
      return value === true ? 1 : 0;
    case 'datetime': {
      const ms =
        typeof value === 'object'
          ? value.datetime
          : typeof value === 'string'
            ? Date.parse(value)
            : Number.NaN;
      if (!Number.isFinite(ms)) throw new AppError('odata_syntax', 'Invalid date/time literal');
      return ms;
    }
    case 'string':
      return String(value);
    case 'like-prefix':
      return `${escapeLike(String(value))}%`;
    case 'like-suffix':
      return `%${escapeLike(String(value))}`;
    case 'like-contains':
      return `%${escapeLike(String(value))}%`;
  }
}
