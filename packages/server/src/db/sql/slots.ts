/**
 * Placeholders bound into compiled SQL instead of values, so one compiled plan serves every request
 * of the same shape: at execution each slot is replaced by the request's literal or principal value.
 */
export type Conversion =
  | 'raw'
  | 'integer'
  | 'boolean'
  | 'datetime'
  | 'string'
  | 'like-prefix'
  | 'like-suffix'
  | 'like-contains';

export class ParamSlot {
  constructor(
    readonly index: number,
    readonly as: Conversion,
  ) {}
}

/** A literal value bound as a SQL parameter. Datetimes are epoch milliseconds (UTC). */
export type ParamValue = string | number | boolean | { readonly datetime: number };

export type PrincipalField = 'actorId' | 'userId' | 'applicationId' | 'deviceId' | 'fleetId';

/** A value of the calling principal; `fleetId` slots index into the key's fleet restriction. */
export class PrincipalSlot {
  constructor(
    readonly field: PrincipalField,
    readonly index = 0,
  ) {}
}

/**
 * The principal values a {@link PrincipalSlot} reads, declared here so the SQL layer does not depend
 * on auth: `auth/principal.ts` `Principal` fits it.
 */
export interface SlotPrincipal {
  readonly actorId: number;
  readonly userId: number | undefined;
  readonly applicationId: number | undefined;
  readonly deviceId: number | undefined;
  readonly limits: { readonly fleetIds: readonly number[] | null } | undefined;
}

/** A constant chosen by the compiler itself (e.g. a key limit's fleet list length is in the shape). */
export class ConstSlot {
  constructor(readonly value: unknown) {}
}

/** What a `?` of compiled SQL is bound to. */
export type Slot = ParamSlot | PrincipalSlot | ConstSlot;
