import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import type { DialectName } from '../../db/database.js';
import { AppError } from '../../errors/app-error.js';
import { rowFilter } from '../../permissions/permissions.js';
import { type FieldDef, type NavigationDef, type ResourceDef, resourceDef } from '../../resources/model.js';
import { PrincipalSlot } from '../slots.js';

/** One table occurrence in the SQL being built. */
export interface Scope {
  readonly def: ResourceDef;
  readonly alias: string;
}

/** Per-compilation state: dialect, principal (for permission predicates) and alias numbering. */
export class CompileEnv {
  private next = 0;
  constructor(
    readonly dialect: DialectName,
    readonly principal: Principal | null,
  ) {}

  scope(def: ResourceDef): Scope {
    return { def, alias: `t${this.next++}` };
  }

  /** The read-permission predicate for rows of `scope` (applied at every level, DESIGN.md §6). */
  readable(scope: Scope): RawBuilder<unknown> {
    const filter = rowFilter(scope.def.name, 'read', this.principal);
    if (filter.kind === 'all') return sql`1 = 1`;
    if (filter.kind === 'none') return sql`1 = 0`;
    return filter.predicate(scope.alias);
  }
}

export type ValueType = 'int' | 'num' | 'str' | 'bool' | 'date' | 'json';

export function fieldType(field: FieldDef): ValueType {
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
  return Object.hasOwn(def.navigations, name) ? def.navigations[name] : undefined;
}

export function requireNavigation(def: ResourceDef, name: string): NavigationDef {
  const nav = navigationOf(def, name);
  if (!nav)
    throw new AppError('odata_unknown', `Unknown navigation "${clip(name)}" on resource "${def.name}"`);
  return nav;
}

export function targetOf(nav: NavigationDef): ResourceDef {
  const def = resourceDef(nav.target);
  if (!def) throw new Error(`model error: navigation to unknown resource ${nav.target}`);
  return def;
}

/** The SQL of a field on a scope: a quoted column, or the computed expression. */
export function fieldSql(scope: Scope, name: string): RawBuilder<unknown> {
  const field = fieldOf(scope.def, name);
  if (field.computed) return sql.raw(field.computed(scope.alias));
  return sql.ref(`${scope.alias}.${field.column ?? name}`);
}

/** The condition tying a child scope to its parent through a navigation. */
export function joinCondition(
  nav: NavigationDef,
  parent: Scope,
  child: Scope,
  env: CompileEnv,
): RawBuilder<unknown> {
  switch (nav.kind) {
    case 'one':
      return sql`${sql.ref(`${child.alias}.id`)} = ${fieldSql(parent, nav.localField)}`;
    case 'many':
      return sql`${fieldSql(child, nav.remoteField)} = ${sql.ref(`${parent.alias}.id`)}`;
    case 'caller-user':
      // Pairs the (already permission-filtered) parent with the calling user only.
      return env.principal?.kind === 'user'
        ? sql`${sql.ref(`${child.alias}.actor`)} = ${new PrincipalSlot('actorId')}`
        : sql`1 = 0`;
  }
}

/** `FROM <table> <alias>`, identifiers quoted (the `user` table is a reserved word in PostgreSQL). */
export function fromClause(scope: Scope): RawBuilder<unknown> {
  return sql`${sql.table(scope.def.table)} ${sql.id(scope.alias)}`;
}

export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
