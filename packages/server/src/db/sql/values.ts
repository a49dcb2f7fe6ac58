import { AppError } from '../../errors/app-error.js';
import {
  ConstSlot,
  type Conversion,
  ParamSlot,
  type ParamValue,
  type PrincipalField,
  PrincipalSlot,
  type Slot,
  type SlotPrincipal,
} from './slots.js';

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/** Turns the compiled plan's slots into this request's bound values, validating each literal. */
export function bindValues(
  slots: readonly unknown[],
  params: readonly ParamValue[],
  principal: SlotPrincipal | null,
): unknown[] {
  const out = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (slot instanceof ParamSlot) out[i] = convert(params[slot.index], slot.as);
    else if (slot instanceof PrincipalSlot) out[i] = principalValue(slot.field, slot.index, principal);
    else if (slot instanceof ConstSlot) out[i] = slot.value;
    // A value the server itself bound (never request input): passed through unchanged.
    else out[i] = slot;
  }
  return out;
}

/** A plan's precomputed binding: request literals + principal → the statement's values. */
export type Binder = (params: readonly ParamValue[], principal: SlotPrincipal | null) => unknown[];

const NO_VALUES: Binder = () => [];

/**
 * Decides once per plan what each slot needs, so a request only runs the conversions: no
 * `instanceof` chain per slot per request.
 */
export function compileBinder(slots: readonly Slot[]): Binder {
  const n = slots.length;
  if (n === 0) return NO_VALUES;
  const params = slots.map((s) => (s instanceof ParamSlot ? s : null));
  const principals = slots.map((s) => (s instanceof PrincipalSlot ? s : null));
  const constants = slots.map((s) => (s instanceof ConstSlot ? s.value : undefined));
  // The common plans bind only literals (e.g. a uuid): one conversion per slot.
  if (params.every((p) => p !== null)) {
    const indices = params.map((p) => (p as ParamSlot).index);
    const kinds = params.map((p) => (p as ParamSlot).as);
    return (values) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = convert(values[indices[i] as number], kinds[i] as Conversion);
      return out;
    };
  }
  return (values, principal) => {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const param = params[i];
      if (param) out[i] = convert(values[param.index], param.as);
      else {
        const p = principals[i];
        out[i] = p ? principalValue(p.field, p.index, principal) : constants[i];
      }
    }
    return out;
  };
}

function principalValue(field: PrincipalField, index: number, principal: SlotPrincipal | null): unknown {
  if (field === 'fleetId') return principal?.limits?.fleetIds?.[index] ?? null;
  return principal?.[field] ?? null;
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
