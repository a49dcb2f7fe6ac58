/**
 * The subset of RFC 8941 structured fields that Signature-Input, Signature and Content-Digest
 * need: dictionaries whose members are items or inner lists, with parameters. Decimals are
 * deliberately unsupported (no header in this profile uses them); they parse as an error.
 */

export type BareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bytes'; readonly value: Uint8Array };

/** Ordered; a repeated key overwrites the earlier value in place (RFC 8941 §4.2.3.2). */
export type SfParameters = ReadonlyMap<string, BareItem>;

export interface SfItem {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: SfParameters;
}

export interface SfInnerList {
  readonly kind: 'inner-list';
  readonly items: readonly SfItem[];
  readonly params: SfParameters;
}

export type SfMember = SfItem | SfInnerList;

/** Ordered; a repeated key overwrites the earlier member in place (RFC 8941 §4.2.2). */
export type SfDictionary = ReadonlyMap<string, SfMember>;

/** Typed parse failure; parsers return it instead of throwing on bad network input. */
export interface SfParseError {
  readonly code: 'sf_parse_error';
  readonly message: string;
  /** Character offset in the input where parsing failed. */
  readonly offset: number;
}

export type SfResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SfParseError };

/** Inputs longer than this are refused outright, bounding parser work on hostile headers. */
export const SF_MAX_INPUT_LENGTH = 16_384;

export const sf = {
  integer: (value: number): BareItem => ({ type: 'integer', value }),
  string: (value: string): BareItem => ({ type: 'string', value }),
  token: (value: string): BareItem => ({ type: 'token', value }),
  boolean: (value: boolean): BareItem => ({ type: 'boolean', value }),
  bytes: (value: Uint8Array): BareItem => ({ type: 'bytes', value }),
  item: (value: BareItem, params: SfParameters = new Map()): SfItem => ({ kind: 'item', value, params }),
  innerList: (items: readonly SfItem[], params: SfParameters = new Map()): SfInnerList => ({
    kind: 'inner-list',
    items,
    params,
  }),
} as const;
