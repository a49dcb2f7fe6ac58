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

export type PrincipalField = 'actorId' | 'userId' | 'applicationId' | 'deviceId' | 'fleetId';

/** A value of the calling principal; `fleetId` slots index into the key's fleet restriction. */
export class PrincipalSlot {
  constructor(
    readonly field: PrincipalField,
    readonly index = 0,
  ) {}
}

/** A constant chosen by the compiler itself (e.g. a key limit's fleet list length is in the shape). */
export class ConstSlot {
  constructor(readonly value: unknown) {}
}

/** What a `?` of compiled SQL is bound to. */
export type Slot = ParamSlot | PrincipalSlot | ConstSlot;
