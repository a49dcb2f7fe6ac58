import { quoteId } from '../../db/sql/fragment.js';
import type { FieldDef, FieldType, NavigationDef, ResourceDef } from '../../resources/model.js';
import { REGISTRY, resourceDef } from '../../resources/model.js';

/** One field's SQL pieces, rendered once from the model when the module loads. */
export interface FieldSql {
  readonly name: string;
  readonly type: FieldType;
  readonly def: FieldDef;
  /** `."column"`, to follow a quoted alias; null for computed fields. */
  readonly column: string | null;
  /** ` AS "name"` */
  readonly as: string;
  /** The model's computed SQL (given the quoted alias), or null for a column. */
  readonly computed: ((alias: string) => string) | null;
}

/** The SQL view of a resource: quoted table and fields in model order. */
export interface ResourceSql {
  readonly table: string;
  readonly fields: readonly FieldSql[];
  readonly byName: ReadonlyMap<string, FieldSql>;
  /**
   * Navigations by name, with their target resource. Maps with one object shape each: the
   * compiler's lookups stay fast for every resource (plain model objects differ in shape per
   * resource, which makes property lookups on them megamorphic in a mixed workload).
   */
  readonly navigations: ReadonlyMap<string, NavigationDef>;
  /** The row shape of a whole-row select (no expansion): shared, never mutated. */
  readonly allFields: readonly { readonly name: string; readonly type: FieldType }[];
  /** The whole-row select list cut where the quoted alias goes: `parts.join('"t3"')`. */
  readonly allColumns: readonly string[];
  /**
   * The same list for alias `t0`, rendered once at load: the root of every query is `t0`, and
   * joining ~50 pieces per compile cost more than the rest of a typical compile.
   */
  readonly allColumnsT0: string;
}

/** Stands for the alias while rendering templates; cannot occur in model SQL (checked). */
const MARK = '\u0001';

/** Identifiers reach SQL only from here; this pattern keeps quoting trivially correct. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`model error: ${what} "${name}" is not a plain identifier`);
  return name;
}

function build(def: ResourceDef): ResourceSql {
  identifier(def.name, 'resource');
  const fields: FieldSql[] = [];
  for (const [name, field] of Object.entries(def.fields)) {
    identifier(name, `field of ${def.name}`);
    if (field.computed) {
      // `?` is the placeholder of compiled SQL: model SQL must not contain one.
      const text = field.computed('"t0"');
      if (text.includes('?') || text.includes(MARK))
        throw new Error(`model error: "?" in ${def.name}.${name}`);
    }
    fields.push({
      name,
      type: field.type,
      def: field,
      column: field.computed ? null : `.${quoteId(identifier(field.column ?? name, 'column'))}`,
      as: ` AS ${quoteId(name)}`,
      computed: field.computed ?? null,
    });
  }
  for (const [name, nav] of Object.entries(def.navigations)) {
    identifier(name, `navigation of ${def.name}`);
    const target = resourceDef(nav.target);
    if (!target) throw new Error(`model error: navigation ${def.name}.${name} to unknown ${nav.target}`);
    TARGETS.set(nav, target);
  }
  const allColumns = fields
    .map(
      (f) =>
        `${f.column === null ? (f.def.computed as (a: string) => string)(MARK) : MARK + f.column}${f.as}`,
    )
    .join(', ')
    .split(MARK);
  return {
    table: quoteId(identifier(def.table, 'table')),
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    navigations: new Map(Object.entries(def.navigations)),
    allFields: fields.map((f) => ({ name: f.name, type: f.type })),
    allColumns,
    allColumnsT0: allColumns.join('"t0"'),
  };
}

const TARGETS = new Map<NavigationDef, ResourceDef>();
const MODEL_SQL = new Map<ResourceDef, ResourceSql>(Object.values(REGISTRY).map((def) => [def, build(def)]));

export function resourceSql(def: ResourceDef): ResourceSql {
  const found = MODEL_SQL.get(def);
  if (!found) throw new Error(`model error: ${def.name} is not in REGISTRY`);
  return found;
}

/** The resource a navigation leads to (resolved at load). */
export function navigationTarget(nav: NavigationDef): ResourceDef {
  const found = TARGETS.get(nav);
  if (!found) throw new Error(`model error: navigation to unknown resource ${nav.target}`);
  return found;
}
