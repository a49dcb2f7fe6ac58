/**
 * RFC 8941 §4.2 parser for dictionaries (the only top-level type this profile needs).
 * Every malformed input yields `{ ok: false, error }`; nothing here throws.
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

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLcAlpha = (c: string): boolean => c >= 'a' && c <= 'z';
const isAlpha = (c: string): boolean => isLcAlpha(c) || (c >= 'A' && c <= 'Z');
const TCHAR_EXTRA = "!#$%&'*+-.^_`|~:/";
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;

class Parser {
  pos = 0;
  constructor(readonly input: string) {}

  peek(): string {
    return this.input.charAt(this.pos);
  }
  done(): boolean {
    return this.pos >= this.input.length;
  }
  fail(message: string): never {
    throw new Failure(message, this.pos);
  }
  skipSp(): void {
    while (this.peek() === ' ') this.pos++;
  }
  skipOws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  dictionary(): SfDictionary {
    const dict = new Map<string, SfMember>();
    this.skipSp();
    while (!this.done()) {
      const key = this.key();
      if (this.peek() === '=') {
        this.pos++;
        dict.set(key, this.peek() === '(' ? this.innerList() : this.item());
      } else {
        dict.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: this.parameters() });
      }
      this.skipOws();
      if (this.done()) break;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
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
      if (this.peek() === ')') {
        this.pos++;
        return { kind: 'inner-list', items, params: this.parameters() };
      }
      items.push(this.item());
      const c = this.peek();
      if (c !== ' ' && c !== ')') this.fail('expected " " or ")" in inner list');
    }
  }

  item(): SfItem {
    const value = this.bareItem();
    return { kind: 'item', value, params: this.parameters() };
  }

  parameters(): SfParameters {
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.pos++;
      this.skipSp();
      const key = this.key();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.peek() === '=') {
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
    if (!isLcAlpha(first) && first !== '*') this.fail('invalid key');
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (!(isLcAlpha(c) || isDigit(c) || c === '_' || c === '-' || c === '.' || c === '*')) break;
      this.pos++;
    }
    return this.input.slice(start, this.pos);
  }

  bareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || isDigit(c)) return this.integer();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if (isAlpha(c) || c === '*') return this.token();
    return this.fail('invalid bare item');
  }

  integer(): BareItem {
    const start = this.pos;
    if (this.peek() === '-') this.pos++;
    const digitsStart = this.pos;
    while (isDigit(this.peek())) this.pos++;
    const digits = this.pos - digitsStart;
    if (digits === 0) this.fail('expected digit');
    if (this.peek() === '.') this.fail('decimals are not supported');
    if (digits > 15) this.fail('integer too long');
    return { type: 'integer', value: Number(this.input.slice(start, this.pos)) };
  }

  string(): BareItem {
    this.pos++; // '"'
    let out = '';
    for (;;) {
      if (this.done()) this.fail('unterminated string');
      const c = this.peek();
      this.pos++;
      if (c === '"') return { type: 'string', value: out };
      if (c === '\\') {
        const next = this.peek();
        if (next !== '"' && next !== '\\') this.fail('invalid escape in string');
        out += next;
        this.pos++;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) this.fail('invalid character in string');
      out += c;
    }
  }

  token(): BareItem {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (!(isAlpha(c) || isDigit(c) || (c !== '' && TCHAR_EXTRA.includes(c)))) break;
      this.pos++;
    }
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  bytes(): BareItem {
    this.pos++; // ':'
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail('unterminated byte sequence');
    const text = this.input.slice(this.pos, end);
    if (!BASE64_CHARS.test(text)) this.fail('invalid base64 in byte sequence');
    const value = base64Decode(text);
    if (value === null) this.fail('invalid base64 in byte sequence');
    this.pos = end + 1;
    return { type: 'bytes', value };
  }

  boolean(): BareItem {
    this.pos++; // '?'
    const c = this.peek();
    if (c !== '0' && c !== '1') this.fail('invalid boolean');
    this.pos++;
    return { type: 'boolean', value: c === '1' };
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
