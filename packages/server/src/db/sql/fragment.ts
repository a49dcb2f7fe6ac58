import { RawNode, ValueNode } from 'kysely';
import type { DialectName } from '../database.js';
import { ConstSlot, ParamSlot, PrincipalSlot, type Slot } from './slots.js';

/**
 * Mooring's own small SQL writer (replaces Kysely RawBuilders on the read path, whose node building
 * and freezing cost ~73% of compile time). A {@link Fragment} is SQL text with a `?` wherever a value
 * is bound, plus the {@link Slot}s for those `?`, in text order. Values never enter the text: every
 * literal is a slot, and identifiers come from the resource model only (checked at module load in
 * compiler/model-sql.ts). Fragments compose by concatenation, so a sub-expression can be built out of
 * order or used twice; {@link finishSql} numbers the placeholders once, at the end, per dialect.
 *
 * @example
 * const f = sql`${ref('t0', 'uuid')} = ${new ParamSlot(0, 'string')}`;
 * finishSql(f.text, 'postgres') // '"t0"."uuid" = $1'
 */
export class Fragment {
  constructor(
    readonly text: string,
    readonly slots: readonly Slot[] = NO_SLOTS,
  ) {}

  /**
   * Lets a fragment sit inside a Kysely `sql` template (writes and custom endpoints still use Kysely);
   * the slots become parameters, bound later with `bindPrincipal`/`bindValues`.
   */
  toOperationNode(): RawNode {
    return RawNode.create(
      this.text.split('?'),
      this.slots.map((slot) => ValueNode.create(slot)),
    );
  }
}

export const NO_SLOTS: readonly Slot[] = Object.freeze([]);

/** Static SQL text without bound values (it must not contain `?`: that is the placeholder). */
export function raw(text: string): Fragment {
  return new Fragment(text);
}

export const TRUE = raw('1 = 1');
export const FALSE = raw('1 = 0');
export const EMPTY = raw('');

/** `"name"`: SQL-standard quoting, valid on both dialects (`user` is reserved in PostgreSQL). */
export function quoteId(name: string): string {
  return name.includes('"') ? `"${name.replaceAll('"', '""')}"` : `"${name}"`;
}

/** `"alias"."column"` as text. */
export function refText(alias: string, column: string): string {
  return `${quoteId(alias)}.${quoteId(column)}`;
}

export function ref(alias: string, column: string): Fragment {
  return new Fragment(refText(alias, column));
}

/** A SQL string literal of a model name (JSON keys); never used for request input. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const checkedTemplates = new WeakSet<TemplateStringsArray>();

/**
 * Tagged template: the literal parts are trusted SQL; each `${}` is a Fragment (inlined) or a Slot
 * (becomes `?`). Anything else is a programming error: plain strings cannot be interpolated, so
 * request text cannot reach SQL through this tag.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly (Fragment | Slot)[]): Fragment {
  if (!checkedTemplates.has(strings)) {
    // Once per call site (the array is cached by the engine): a literal `?` would shift every slot.
    if (strings.some((s) => s.includes('?'))) throw new TypeError('SQL template text may not contain "?"');
    checkedTemplates.add(strings);
  }
  let text = strings[0] as string;
  let slots: Slot[] | null = null;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof Fragment) {
      text += value.text;
      if (value.slots.length > 0) {
        if (slots === null) slots = [];
        for (const s of value.slots) slots.push(s);
      }
    } else if (value instanceof ParamSlot || value instanceof PrincipalSlot || value instanceof ConstSlot) {
      text += '?';
      if (slots === null) slots = [];
      slots.push(value);
    } else {
      throw new TypeError('Only fragments and slots may be interpolated into SQL');
    }
    text += strings[i + 1] as string;
  }
  return new Fragment(text, slots ?? NO_SLOTS);
}

/** `a<sep>b<sep>c` */
export function joinSql(parts: readonly Fragment[], separator = ', '): Fragment {
  if (parts.length === 1) return parts[0] as Fragment;
  let text = '';
  let slots: Slot[] | null = null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Fragment;
    if (i > 0) text += separator;
    text += part.text;
    if (part.slots.length > 0) {
      if (slots === null) slots = [];
      for (const s of part.slots) slots.push(s);
    }
  }
  return new Fragment(text, slots ?? NO_SLOTS);
}

/**
 * Mutable builder for the hot parts of the compiler (projections, WHERE chains): appends text and
 * slots without an intermediate fragment per piece.
 */
export class SqlBuilder {
  text = '';
  slots: Slot[] | null = null;

  raw(text: string): this {
    this.text += text;
    return this;
  }

  add(fragment: Fragment): this {
    this.text += fragment.text;
    if (fragment.slots.length > 0) {
      if (this.slots === null) this.slots = [];
      for (const s of fragment.slots) this.slots.push(s);
    }
    return this;
  }

  slot(slot: Slot): this {
    this.text += '?';
    if (this.slots === null) this.slots = [];
    this.slots.push(slot);
    return this;
  }

  done(): Fragment {
    return new Fragment(this.text, this.slots ?? NO_SLOTS);
  }
}

/**
 * Final SQL for a dialect: SQLite keeps `?`; PostgreSQL numbers them `$1 … $n` in text order (the
 * order of the fragment's slots). Our text has no `?` other than placeholders: no string literal
 * from the request ever enters it, and model SQL is checked for `?` at load.
 */
export function finishSql(text: string, dialect: DialectName): string {
  if (dialect === 'sqlite') return text;
  let out = '';
  let from = 0;
  let n = 0;
  for (let at = text.indexOf('?'); at !== -1; at = text.indexOf('?', from)) {
    out += `${text.slice(from, at)}$${++n}`;
    from = at + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
