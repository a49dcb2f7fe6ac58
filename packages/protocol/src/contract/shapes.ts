import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';

/*
 * Building blocks shared by the contract's schemas. Nullable scalars keep the JSON Schema form
 * `type: [T, 'null']` (rather than TypeBox's `anyOf`), which is what the routes validated with before
 * the contract existed: the same validation messages and the same serialisation.
 */

export const INT32_MAX = 2_147_483_647;

/** `string | null` with the given keywords (`maxLength`, `format`, …). */
export const nullableString = (keywords: Record<string, unknown> = {}): TUnsafe<string | null> =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...keywords });

/** `integer | null`. */
export const nullableInteger = (keywords: Record<string, unknown> = {}): TUnsafe<number | null> =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], ...keywords });

/** `readonly T[] | null` of the given item schema. */
export const nullableArray = <T extends TSchema>(
  items: T,
  keywords: Record<string, unknown> = {},
): TUnsafe<readonly Static<T>[] | null> =>
  Type.Unsafe<readonly Static<T>[] | null>({ type: ['array', 'null'], items, ...keywords });

/**
 * An array the receiver reads but does not change (`readonly T[]`): answers are values, and the
 * server builds them from readonly data.
 */
export const List = <T extends TSchema>(items: T, keywords: Record<string, unknown> = {}) =>
  Type.Immutable(Type.Array(items, keywords));

/** An ISO 8601 timestamp as the server writes it. */
export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = nullableString({ format: 'date-time' });

/** A positive 32-bit row id. */
export const RowId = Type.Integer({ minimum: 1, maximum: INT32_MAX });

/** `?apikey=`: how supervisors and older tools send their key (docs/compat.md A5). */
export const ApiKeyParam = Type.String({ maxLength: 4096 });
