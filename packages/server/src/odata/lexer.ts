import { AppError } from '../errors/app-error.js';

/*
 * Token kinds: small integer constants rather than an enum so the hot path compares numbers and
 * the module stays plain ESM under `isolatedModules`.
 */
export const T_EOF = 0;
/** `name` — identifiers, keywords (`eq`, `and`, `not`, `null`, `true`, …) and `asc`/`desc`. */
export const T_IDENT = 1;
/** `$name` — `$filter`, `$count`, … (`text` holds the name without `$`). */
export const T_DOLLAR = 2;
export const T_NUMBER = 3;
export const T_STRING = 4;
/** `datetime'…'` — `num` holds epoch milliseconds. */
export const T_DATETIME = 5;
export const T_LPAREN = 6;
export const T_RPAREN = 7;
export const T_COMMA = 8;
export const T_SEMI = 9;
export const T_SLASH = 10;
export const T_COLON = 11;
export const T_EQUALS = 12;
export const T_STAR = 13;

const PUNCTUATION: readonly string[] = ['', '', '', '', '', '', '(', ')', ',', ';', '/', ':', '=', '*'];

/**
 * ISO 8601 date or date-time. A time must carry `Z` or an offset: `Date.parse` would read an
 * offset-less time in the server's local zone, making results depend on where the server runs.
 */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Longest piece of user input quoted in an error message. */
const MAX_QUOTE = 30;

export function clip(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/** The token kind of a one-character token, or -1. */
function punctuation(c: number): number {
  switch (c) {
    case 40:
      return T_LPAREN;
    case 41:
      return T_RPAREN;
    case 44:
      return T_COMMA;
    case 59:
      return T_SEMI;
    case 47:
      return T_SLASH;
    case 58:
      return T_COLON;
    case 61:
      return T_EQUALS;
    case 42:
      return T_STAR;
    default:
      return -1;
  }
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A one-token-lookahead scanner over one *decoded* query option value (or the resource path).
 * `next()` advances; the current token is described by `kind`, `start`, `end`, `text`, `num`.
 * Spaces and tabs between tokens are skipped, so any amount of whitespace is tolerated.
 */
export class Lexer {
  kind = T_EOF;
  start = 0;
  end = 0;
  /** Identifier / `$name` / decoded string literal. */
  text = '';
  /** Number value, or epoch ms for a datetime. */
  num = 0;
  /** The number had no fraction part. */
  isInt = false;

  constructor(
    readonly src: string,
    /** What is being parsed, for error messages: `$filter`, `resource path`, … */
    readonly label: string,
  ) {
    this.next();
  }

  next(): void {
    const s = this.src;
    const n = s.length;
    let i = this.end;
    let c = i < n ? s.charCodeAt(i) : -1;
    while (c === 32 || c === 9) c = ++i < n ? s.charCodeAt(i) : -1;
    this.start = i;
    if (c === -1) {
      this.kind = T_EOF;
      this.end = i;
      return;
    }
    const punct = punctuation(c);
    if (punct !== -1) {
      this.kind = punct;
      this.end = i + 1;
      return;
    }
    if (c === 39) {
      this.kind = T_STRING;
      this.end = this.readString(i);
      return;
    }
    if (c === 36) {
      const e = this.identEnd(i + 1);
      if (e === i + 1) this.fail("expected a name after '$'", i);
      this.kind = T_DOLLAR;
      this.text = s.slice(i + 1, e);
      this.end = e;
      return;
    }
    // A sign belongs to the number: `-` and `+` (the reference grammar's `Sign`, which a URL can
    // only carry as `%2B` outside a string, a raw `+` being a space there: parse-url.ts).
    if (isDigit(c) || ((c === 45 || c === 43) && isDigit(i + 1 < n ? s.charCodeAt(i + 1) : -1))) {
      this.readNumber(i);
      return;
    }
    if (isIdentStart(c)) {
      const e = this.identEnd(i + 1);
      this.text = s.slice(i, e);
      this.end = e;
      this.kind = T_IDENT;
      if (e < n && s.charCodeAt(e) === 39 && this.text === 'datetime') this.readDatetime(e);
      return;
    }
    this.fail(`unexpected character ${JSON.stringify(String.fromCharCode(c))}`, i);
  }

  /** A human description of the current token for "expected X but found Y". */
  describe(): string {
    switch (this.kind) {
      case T_EOF:
        return 'end of input';
      case T_IDENT:
        return `'${clip(this.text)}'`;
      case T_DOLLAR:
        return `'$${clip(this.text)}'`;
      case T_NUMBER:
        return `number ${clip(this.src.slice(this.start, this.end))}`;
      case T_STRING:
        return 'a string literal';
      case T_DATETIME:
        return 'a datetime literal';
      default:
        return `'${PUNCTUATION[this.kind]}'`;
    }
  }

  fail(message: string, at: number = this.start): never {
    throw new AppError('odata_syntax', `Malformed OData ${this.label} at position ${at}: ${message}`);
  }

  private identEnd(i: number): number {
    const s = this.src;
    const n = s.length;
    while (i < n && isIdentPart(s.charCodeAt(i))) i++;
    return i;
  }

  private readNumber(i: number): void {
    const s = this.src;
    const n = s.length;
    const first = s.charCodeAt(i);
    let e = first === 45 || first === 43 ? i + 1 : i;
    while (e < n && isDigit(s.charCodeAt(e))) e++;
    this.isInt = true;
    if (e < n && s.charCodeAt(e) === 46) {
      const f = e + 1;
      e = f;
      while (e < n && isDigit(s.charCodeAt(e))) e++;
      if (e === f) this.fail('invalid number: digits expected after the decimal point', i);
      this.isInt = false;
    }
    // `1abc` or `1.2.3` is a typo, not the number 1 followed by something: say so here.
    if (e < n && (isIdentPart(s.charCodeAt(e)) || s.charCodeAt(e) === 46)) this.fail('invalid number', i);
    this.num = Number(s.slice(i, e));
    if (!Number.isFinite(this.num)) this.fail('number out of range', i);
    this.kind = T_NUMBER;
    this.end = e;
  }

  /** Reads `'…'` starting at the quote; `''` is an escaped quote. Returns the offset after it. */
  private readString(quote: number): number {
    const s = this.src;
    let from = quote + 1;
    let out = '';
    for (;;) {
      const q = s.indexOf("'", from);
      if (q === -1) this.fail('unterminated string literal', quote);
      if (s.charCodeAt(q + 1) === 39) {
        out += s.slice(from, q + 1);
        from = q + 2;
        continue;
      }
      this.text = out + s.slice(from, q);
      return q + 1;
    }
  }

  private readDatetime(quote: number): void {
    const end = this.readString(quote);
    const ms = ISO_DATETIME.test(this.text) ? Date.parse(this.text) : Number.NaN;
    if (Number.isNaN(ms))
      this.fail('invalid datetime literal (expected ISO 8601 with Z or an offset)', this.start);
    this.kind = T_DATETIME;
    this.num = ms;
    this.end = end;
  }
}
