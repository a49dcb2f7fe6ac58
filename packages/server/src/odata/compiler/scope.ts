import type { Principal } from '../../auth/principal.js';
import type { DialectName } from '../../db/database.js';
import { FALSE, Fragment, sql } from '../../db/sql/fragment.js';
import { PrincipalSlot } from '../../db/sql/slots.js';
import { AppError } from '../../errors/app-error.js';
import { filterPredicate, type PredicateForm } from '../../permissions/permissions.js';
import { rowFilter } from '../../resources/access.js';
import type { FieldDef, NavigationDef, ResourceDef } from '../../resources/model.js';
import { type FieldSql, navigationTarget, type ResourceSql, resourceSql } from './model-sql.js';

/** One table occurrence in the SQL being built. */
export interface Scope {
  readonly def: ResourceDef;
  readonly alias: string;
  /** The alias, quoted. */
  readonly q: string;
  readonly model: ResourceSql;
}

/** Per-compilation state: dialect, principal (for permission predicates) and alias numbering. */
export class CompileEnv {
  private next = 0;
  constructor(
    readonly dialect: DialectName,
    readonly principal: Principal | null,
    /**
     * A guarded read (odata/read-guard.ts): on SQLite every row source also calls the
     * {@link DEADLINE_FUNCTION}, which aborts the statement once its time is up.
     */
    readonly guarded = false,
  ) {}

  scope(def: ResourceDef): Scope {
    const alias = `t${this.next++}`;
    return { def, alias, q: `"${alias}"`, model: resourceSql(def) };
  }

  /**
   * The read-permission predicate for rows of `scope` (applied at every level, DESIGN.md §6);
   * `point` for a root query pinned to one row (compiler/pinned.ts).
   */
  readable(scope: Scope, form: PredicateForm = 'scan'): Fragment {
    const predicate = filterPredicate(rowFilter(scope.def.name, 'read', this.principal), scope.alias, form);
    // Every table occurrence filters through here, so each row any level reads ticks the deadline.
    return this.guarded && this.dialect === 'sqlite' ? sql`(${predicate}) AND ${DEADLINE_CALL}` : predicate;
  }
}

/**
 * SQLite has no statement timeout and better-sqlite3 no interrupt: a guarded read calls this
 * function for every row it reads, and the function throws once the read's deadline has passed,
 * which aborts the statement (odata/sqlite-deadline.ts registers it on each connection).
 */
export const DEADLINE_FUNCTION = 'mooring_deadline';
const DEADLINE_CALL = new Fragment(`${DEADLINE_FUNCTION}()`);

export type ValueType = 'int' | 'num' | 'str' | 'bool' | 'date' | 'json';

export function fieldType(field: { readonly type: FieldDef['type'] }): ValueType {
  switch (field.type) {
    case 'id':
    case 'integer':
    case 'fk':
      return 'int';
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'date';
    case 'json':
      return 'json';
  }
}

export function fieldOf(def: ResourceDef, name: string): FieldDef {
  const field = Object.hasOwn(def.fields, name) ? def.fields[name] : undefined;
  if (!field) throw new AppError('odata_unknown', `Unknown field "${clip(name)}" on resource "${def.name}"`);
  return field;
}

export function navigationOf(def: ResourceDef, name: string): NavigationDef | undefined {
  return resourceSql(def).navigations.get(name);
}

export function requireNavigation(def: ResourceDef, name: string): NavigationDef {
  const nav = navigationOf(def, name);
  if (!nav)
    throw new AppError('odata_unknown', `Unknown navigation "${clip(name)}" on resource "${def.name}"`);
  return nav;
}

export function targetOf(nav: NavigationDef): ResourceDef {
  return navigationTarget(nav);
}

export function fieldSqlOf(scope: Scope, name: string): FieldSql {
  const field = scope.model.byName.get(name);
  if (!field)
    throw new AppError('odata_unknown', `Unknown field "${clip(name)}" on resource "${scope.def.name}"`);
  return field;
}

/** The SQL text of a field on a scope: a quoted column, or the computed expression (model SQL). */
export function fieldText(scope: Scope, field: FieldSql): string {
  return field.column === null
    ? (field.def.computed as (a: string) => string)(scope.alias)
    : scope.q + field.column;
}

export function fieldSql(scope: Scope, name: string): Fragment {
  return new Fragment(fieldText(scope, fieldSqlOf(scope, name)));
}

/** The condition tying a child scope to its parent through a navigation. */
export function joinCondition(nav: NavigationDef, parent: Scope, child: Scope, env: CompileEnv): Fragment {
  switch (nav.kind) {
    case 'one':
      return new Fragment(`${child.q}."id" = ${fieldText(parent, fieldSqlOf(parent, nav.localField))}`);
    case 'many':
      return new Fragment(`${fieldText(child, fieldSqlOf(child, nav.remoteField))} = ${parent.q}."id"`);
    case 'caller-user':
      // Pairs the (already permission-filtered) parent with the calling user only.
      return env.principal?.kind === 'user'
        ? sql`${new Fragment(`${child.q}."actor"`)} = ${ACTOR_ID}`
        : FALSE;
  }
}

const ACTOR_ID = new PrincipalSlot('actorId');

/** `<table> <alias>`, identifiers quoted (the `user` table is a reserved word in PostgreSQL). */
export function fromClause(scope: Scope): Fragment {
  return new Fragment(`${scope.model.table} ${scope.q}`);
}

export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
