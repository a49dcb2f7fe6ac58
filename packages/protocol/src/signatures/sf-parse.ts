/**
 * RFC 8941 §4.2 parser for dictionaries (the only top-level type this profile needs).
 * Every malformed input yields `{ ok: false, error }`; nothing here throws.
 *
 * It runs on every signed request, so it scans character codes and slices the input rather than
 * building strings a character at a time.
 */
import { base64Decode } from '../encoding.js';
import {
  type BareItem,
  SF_MAX_INPUT_LENGTH,
  type SfDictionary,
  type SfInnerList,
  type SfItem,
  type SfMember,
  type SfParameters,
  type SfResult,
} from './sf-types.js';

class Failure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const STAR = 0x2a;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLcAlpha = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isAlpha = (c: number): boolean => isLcAlpha(c) || (c >= 0x41 && c <= 0x5a);

/** Characters of a key after the first (RFC 8941 §3.1.2): lcalpha, DIGIT, "_", "-", ".", "*". */
const KEY_CHAR = charTable('abcdefghijklmnopqrstuvwxyz0123456789_-.*');
/** Characters of a token after the first (§3.3.4): tchar, ":" and "/". */
const TOKEN_CHAR = charTable(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~:/",
);
/** What a byte sequence may hold before decoding (§4.2.7): the base64 alphabet and "=". */
const BASE64_CHAR = charTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=');

function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const NO_PARAMETERS: SfParameters = new Map();

/** Whether code `c` is in an ASCII table (anything beyond ASCII never is). */
const inTable = (table: Uint8Array, c: number): boolean => c < 128 && table[c] === 1;

class Parser {
  pos = 0;
  constructor(readonly input: string) {}

  /** The character code at the cursor; NaN at the end, which matches no test below. */
  peek(): number {
    return this.input.charCodeAt(this.pos);
  }
  done(): boolean {
    return this.pos >= this.input.length;
  }
  fail(message: string): never {
    throw new Failure(message, this.pos);
  }
  skipSp(): void {
    while (this.peek() === SPACE) this.pos++;
  }
  skipOws(): void {
    for (let c = this.peek(); c === SPACE || c === TAB; c = this.peek()) this.pos++;
  }

  dictionary(): SfDictionary {
    const dict = new Map<string, SfMember>();
    this.skipSp();
    while (!this.done()) {
      const key = this.key();
      if (this.peek() === 0x3d /* = */) {
        this.pos++;
        dict.set(key, this.peek() === 0x28 /* ( */ ? this.innerList() : this.item());
      } else {
        dict.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: this.parameters() });
      }
      this.skipOws();
      if (this.done()) break;
      if (this.peek() !== 0x2c /* , */) this.fail('expected "," between dictionary members');
      this.pos++;
      this.skipOws();
      if (this.done()) this.fail('trailing comma in dictionary');
    }
    return dict;
  }

  innerList(): SfInnerList {
    this.pos++; // '('
    const items: SfItem[] = [];
    for (;;) {
      this.skipSp();
      if (this.done()) this.fail('unterminated inner list');
      if (this.peek() === 0x29 /* ) */) {
        this.pos++;
        return { kind: 'inner-list', items, params: this.parameters() };
      }
      items.push(this.item());
      const c = this.peek();
      if (c !== SPACE && c !== 0x29) this.fail('expected " " or ")" in inner list');
    }
  }

  item(): SfItem {
    const value = this.bareItem();
    return { kind: 'item', value, params: this.parameters() };
  }

  parameters(): SfParameters {
    // Most items carry none: they share one empty map instead of allocating their own.
    if (this.peek() !== 0x3b /* ; */) return NO_PARAMETERS;
    const params = new Map<string, BareItem>();
    while (this.peek() === 0x3b) {
      this.pos++;
      this.skipSp();
      const key = this.key();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.peek() === 0x3d /* = */) {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  key(): string {
    const start = this.pos;
    const first = this.peek();
    if (!isLcAlpha(first) && first !== STAR) this.fail('invalid key');
    this.pos++;
    while (inTable(KEY_CHAR, this.peek())) this.pos++;
    return this.input.slice(start, this.pos);
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === 0x2d /* - */ || isDigit(c)) return this.integer();
    if (c === QUOTE) return this.string();
    if (c === COLON) return this.bytes();
    if (c === 0x3f /* ? */) return this.boolean();
    if (isAlpha(c) || c === STAR) return this.token();
    return this.fail('invalid bare item');
  }

  integer(): BareItem {
    const start = this.pos;
    if (this.peek() === 0x2d) this.pos++;
    const digitsStart = this.pos;
    while (isDigit(this.peek())) this.pos++;
    const digits = this.pos - digitsStart;
    if (digits === 0) this.fail('expected digit');
    if (this.peek() === 0x2e /* . */) this.fail('decimals are not supported');
    if (digits > 15) this.fail('integer too long');
    return { type: 'integer', value: Number(this.input.slice(start, this.pos)) };
  }

  /** A quoted string: runs between escapes are sliced, not copied one character at a time. */
  string(): BareItem {
    this.pos++; // '"'
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      const c = this.peek();
      if (c === QUOTE) {
        out += this.input.slice(run, this.pos);
        this.pos++;
        return { type: 'string', value: out };
      }
      if (c === BACKSLASH) {
        out += this.input.slice(run, this.pos);
        this.pos++;
        const next = this.peek();
        if (next !== QUOTE && next !== BACKSLASH) this.fail('invalid escape in string');
        run = this.pos; // the escaped character starts the next run
        this.pos++;
        continue;
      }
      if (c < 0x20 || c > 0x7e) this.fail('invalid character in string');
      this.pos++;
    }
  }

  token(): BareItem {
    const start = this.pos;
    this.pos++;
    while (inTable(TOKEN_CHAR, this.peek())) this.pos++;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  bytes(): BareItem {
    this.pos++; // ':'
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail('unterminated byte sequence');
    for (let i = this.pos; i < end; i++) {
      if (!inTable(BASE64_CHAR, this.input.charCodeAt(i))) this.fail('invalid base64 in byte sequence');
    }
    const value = base64Decode(this.input.slice(this.pos, end));
    if (value === null) this.fail('invalid base64 in byte sequence');
    this.pos = end + 1;
    return { type: 'bytes', value };
  }

  boolean(): BareItem {
    this.pos++; // '?'
    const c = this.peek();
    if (c !== 0x30 && c !== 0x31) this.fail('invalid boolean');
    this.pos++;
    return { type: 'boolean', value: c === 0x31 };
  }
}

/**
 * Parses a structured-field dictionary (RFC 8941 §4.2.2). Multiple field lines must be joined
 * with ", " by the caller first.
 *
 * @example
 * const r = parseDictionary('sig1=:AQI=:');
 * if (r.ok) r.value.get('sig1'); // { kind: 'item', value: { type: 'bytes', … } }
 */
export function parseDictionary(input: string): SfResult<SfDictionary> {
  if (typeof input !== 'string') return failure('input is not a string', 0);
  if (input.length > SF_MAX_INPUT_LENGTH) return failure('field value too long', 0);
  const parser = new Parser(input);
  try {
    const value = parser.dictionary();
    parser.skipSp();
    if (!parser.done()) return failure('unexpected trailing characters', parser.pos);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Failure) return failure(e.message, e.offset);
    throw e;
  }
}

function failure(message: string, offset: number): SfResult<never> {
  return { ok: false, error: { code: 'sf_parse_error', message, offset } };
}
