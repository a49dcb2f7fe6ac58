import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors/app-error.js';
import { WriteEvents } from '../events/lifecycle.js';
import type { Action } from '../permissions/permissions.js';
import {
  createParent,
  isReadOnlyResource,
  mayCreate,
  rowFilter,
  writableFields,
} from '../resources/access.js';
import { type FieldDef, type ResourceDef, resourceDef } from '../resources/model.js';
import type { WriteAction, WriteScope, WriteServices } from '../resources/types.js';
import type { ParsedRequest } from './ast.js';
import { clip } from './compiler/scope.js';
import { deleteActors, deleteRows, insertRow, permittedIds, updateRows } from './odata.repository.js';
import { parseODataUrl } from './parse-url.js';
import { type Plan, PlanCache, type PlanVariant, runRows, runVariant } from './plan-cache.js';
import { measureQuery, overBudget, tierOf } from './query-cost.js';
import { ReadGuard } from './read-guard.js';
import { type PreparedRead, ReadPlanner } from './read-planner.js';
import type { ArrayRow, RowMapper } from './row-mapper.js';
import type { RowSerializer } from './row-serializer.js';
import type { ReaderResult } from './sqlite-reader.js';
import { refuseUnsupportedOptions } from './write-options.js';

type Values = Record<string, unknown>;

/**
 * The `/v7` resource API: parse → permission-checked, cached SQL plan → balena wire shape. Generic
 * over the resource registry (`resources/model.ts`): what a resource allows and what its writes do
 * besides the row change are declared by the resource (`access`, `hooks`), never named here.
 */
export class ODataService {
  readonly plans: PlanCache;

  /** Exact URL → parsed request and per-principal-shape plan (the steady state of polling clients). */
  readonly reads: ReadPlanner;

  /** Runs the reads the planner marks as guarded: time limit, worker thread, per-tier share. */
  readonly guard: ReadGuard;

  constructor(
    private readonly ctx: AppContext,
    /** What resource hooks need from features above resources/ (wired by app.ts). */
    private readonly services: WriteServices,
  ) {
    this.guard = new ReadGuard(ctx.db, {
      userTimeoutMs: ctx.config.odataTimeoutMs,
      anonymousTimeoutMs: ctx.config.odataAnonymousTimeoutMs,
    });
    this.plans = new PlanCache(ctx.db);
    this.reads = new ReadPlanner(this.plans, ctx.db.dialect);
  }

  /** Stops the guard's worker threads. */
  close(): Promise<void> {
    return this.guard.close();
  }

  /**
   * `GET /v7/…` as the answer's JSON text, `{"d":[rows]}` or `{"d":count}`, written by the plan's
   * precomputed serializer (or, on SQLite, by SQLite itself: `plan.jsonStatement`). `prepared`: the
   * planner's answer for this URL and principal when the caller already asked for it.
   */
  async readJson(
    url: string,
    principal: Principal | null,
    prepared: PreparedRead = this.reads.prepare(url, principal),
  ): Promise<string> {
    const { count, plan, values, read } = this.bindRead(prepared, principal);
    if (read.guarded) {
      const r = await this.guard.run(plan, values, read.tier);
      return 'json' in r ? `{"d":${r.json}}` : `{"d":${answerText(plan, count, r.rows)}}`;
    }
    if (plan.jsonStatement) return `{"d":${plan.jsonStatement.get(...values) as string}}`;
    const rows = plan.statement
      ? (plan.statement.all(...values) as ArrayRow[])
      : await runRows(this.ctx.db, plan, values);
    return `{"d":${answerText(plan, count, rows)}}`;
  }

  /**
   * PostgreSQL, reads the planner runs inline: `readJson` through `variant`, a statement that returns
   * one more value before each row's (read-tags.ts: the table counters). `lead` is that value of the
   * first row; undefined when no row came back to carry it.
   */
  async readJsonWithLead(
    prepared: PreparedRead,
    principal: Principal | null,
    variant: PlanVariant,
  ): Promise<{ readonly json: string; readonly lead: unknown }> {
    const { count, plan, values, read } = this.bindRead(prepared, principal);
    if (read.guarded || plan.statement) throw new Error('a variant runs only inline on PostgreSQL');
    const rows = await runVariant(this.ctx.db, variant, values);
    const data = rows.map((row) => row.slice(1));
    return { json: `{"d":${answerText(plan, count, data)}}`, lead: rows[0]?.[0] };
  }

  /** `GET /v7/…` → `{ d: rows }` or `{ d: count }`. `url` is the path after `/v7`, still encoded. */
  async read(url: string, principal: Principal | null): Promise<{ d: unknown }> {
    const { count, plan, values, read } = this.bindRead(this.reads.prepare(url, principal), principal);
    const rows = read.guarded
      ? await this.guard.run(plan, values, read.tier, true).then(guardedRows)
      : await runRows(this.ctx.db, plan, values);
    return { d: count ? countOf(rows) : (plan.map as RowMapper)(rows) };
  }

  /** The plan of a read and its bound values; refused when the principal may never read the resource. */
  private bindRead(read: PreparedRead, principal: Principal | null) {
    const { request, def, plan } = read;
    if (!plan) throw denied(principal, `read ${def.name}`);
    return { count: request.count, plan, values: plan.bind(request.params, principal), read };
  }

  /** `POST /v7/<resource>` → the created entity (as a GET would return it) and its id. */
  async create(
    url: string,
    body: unknown,
    principal: Principal | null,
  ): Promise<{ id: number; entity: unknown }> {
    const request = parseODataUrl(url);
    const def = requireResource(request.resource);
    if (request.key || request.count)
      throw new AppError('bad_request', 'POST goes to the collection, without a key');
    refuseUnsupportedOptions(request.options, 'POST');
    if (isReadOnlyResource(def.name, 'create')) throw readOnly(def.name, 'created');
    if (!principal || !mayCreate(def.name, principal)) throw denied(principal, `create ${def.name}`);
    const values = checkBody(def, body, 'create');
    for (const [name, field] of Object.entries(def.fields)) {
      if (field.required && values[name] === undefined)
        throw new AppError('validation', `"${name}" is required`);
    }
    await this.checkParent(def, values, principal);
    const now = this.ctx.clock.now();
    const { hooks } = def;
    const { id, eventsWritten } = await this.ctx.db.kysely
      .transaction()
      .execute(async (trx) => {
        const derived = hooks.prepareInsert ? await hooks.prepareInsert(trx, values, now) : {};
        const row = { ...values, created_at: now, modified_at: now, ...derived };
        const id = await insertRow(trx, def.table, toColumns(def, row));
        const events = new WriteEvents(now, hooks.insertEvents ? await hooks.insertEvents(trx, id, now) : []);
        await events.append(trx);
        return { id, eventsWritten: events.written };
      })
      .catch(rethrowConflict(def));
    if (eventsWritten) this.ctx.eventsWritten();
    const { d } = await this.read(`/${def.name}(${id})`, principal);
    return { id, entity: (d as unknown[])[0] ?? null };
  }

  /** `PATCH /v7/<resource>(key)` or `?$filter=`: updates the permitted matching rows (0 rows is fine). */
  async update(url: string, body: unknown, principal: Principal | null): Promise<number> {
    const request = parseODataUrl(url);
    const def = requireResource(request.resource);
    refuseUnsupportedOptions(request.options, 'PATCH');
    if (isReadOnlyResource(def.name, 'update')) throw readOnly(def.name, 'changed');
    return this.applyUpdate(def, request, checkBody(def, body, 'update'), principal);
  }

  /**
   * `PUT /v7/<resource>(key)`: replaces one entity, as balena's PUT does for an existing row (docs/
   * odata-writes.md). Like pinejs it needs the create and the update right; a field the body leaves out
   * goes back to its default (null; false for flags) or, having none, is required. Unlike pinejs it
   * never inserts a missing row under the caller's key: 404, so ids cannot be probed or squatted.
   */
  async replace(url: string, body: unknown, principal: Principal | null): Promise<void> {
    const request = parseODataUrl(url);
    const def = requireResource(request.resource);
    if (!request.key || request.count)
      throw new AppError('bad_request', 'PUT replaces one entity: /v7/<resource>(<key>)');
    refuseUnsupportedOptions(request.options, 'PUT');
    if (isReadOnlyResource(def.name, 'create') || isReadOnlyResource(def.name, 'update'))
      throw readOnly(def.name, 'replaced');
    if (!principal || !mayCreate(def.name, principal))
      throw denied(principal, `create and update ${def.name} (PUT needs both)`);
    const values = replacement(def, checkBody(def, body, 'update'));
    if ((await this.applyUpdate(def, request, values, principal)) > 0) return;
    // Nothing replaced: a row the caller can see but not change is 403, anything else 404.
    const { d } = await this.read(`${url.split('?')[0]}?$select=id`, principal);
    if ((d as unknown[]).length > 0) throw denied(principal, `update ${def.name}`);
    throw new AppError('not_found', `No ${def.name} has this key`);
  }

  /** Validated field values onto the rows `request` selects that the principal may update. */
  private async applyUpdate(
    def: ResourceDef,
    request: ParsedRequest,
    values: Values,
    principal: Principal | null,
  ): Promise<number> {
    const { hooks } = def;
    hooks.validateUpdate?.(values);
    const allowed = principal ? writableFields(def.name, principal) : null;
    const refused = allowed ? Object.keys(values).find((name) => !allowed.has(name)) : undefined;
    if (refused) throw new AppError('forbidden', `Not allowed to change "${refused}" of ${def.name}`);
    const ids = await this.targetIds(def, request, principal, 'update');
    if (ids.length === 0 || Object.keys(values).length === 0) return 0;
    // Moving a row to another parent needs the same right on the new parent as creating it there.
    const parent = createParent(def.name);
    if (parent && values[parent.field] !== undefined && principal)
      await this.checkParent(def, values, principal);
    const now = this.ctx.clock.now();
    const eventsWritten = await this.ctx.db.kysely
      .transaction()
      .execute(async (trx) => {
        const scope = this.writeScope(trx, ids, values, principal, now);
        const late = hooks.updateEvents ? await hooks.updateEvents(scope) : null;
        const events = new WriteEvents(now, [], late ?? undefined);
        await hooks.beforeUpdate?.(scope);
        await updateRows(trx, def.table, ids, { ...toColumns(def, values), modified_at: now });
        await hooks.afterUpdate?.(scope);
        await events.append(trx);
        return events.written;
      })
      .catch(rethrowConflict(def));
    if (eventsWritten) this.ctx.eventsWritten();
    await this.afterCommit(def, 'update', ids, values, principal);
    return ids.length;
  }

  /** `DELETE /v7/<resource>(key)` or `?$filter=`. Deleting a fleet or device also revokes its keys. */
  async remove(url: string, principal: Principal | null): Promise<number> {
    const request = parseODataUrl(url);
    const def = requireResource(request.resource);
    refuseUnsupportedOptions(request.options, 'DELETE');
    if (isReadOnlyResource(def.name, 'delete')) throw readOnly(def.name, 'deleted');
    const ids = await this.targetIds(def, request, principal, 'delete');
    if (ids.length === 0) return 0;
    const { hooks } = def;
    const eventsWritten = await this.ctx.db.kysely.transaction().execute(async (trx) => {
      const scope = this.writeScope(trx, ids, {}, principal, this.ctx.clock.now());
      const events = new WriteEvents(scope.now, hooks.deleteEvents ? await hooks.deleteEvents(scope) : []);
      const actors = hooks.ownedActors ? await hooks.ownedActors(scope) : [];
      await deleteRows(trx, def.table, ids);
      // Actors own API keys (FK cascade): removing them revokes provisioning and device keys.
      await deleteActors(trx, actors);
      await events.append(trx);
      return events.written;
    });
    if (eventsWritten) this.ctx.eventsWritten();
    await this.afterCommit(def, 'delete', ids, {}, principal);
    return ids.length;
  }

  private writeScope(
    trx: WriteScope['trx'],
    ids: readonly number[],
    values: Values,
    principal: Principal | null,
    now: number,
  ): WriteScope {
    const db = { ...this.ctx.db, kysely: trx };
    return { trx, db, ids, values, principal, now, services: this.services };
  }

  private async afterCommit(
    def: ResourceDef,
    action: WriteAction,
    ids: readonly number[],
    values: Values,
    principal: Principal | null,
  ): Promise<void> {
    if (!def.hooks.afterCommit) return;
    const now = this.ctx.clock.now();
    await def.hooks.afterCommit({
      action,
      db: this.ctx.db,
      ids,
      values,
      principal,
      now,
      services: this.services,
    });
  }

  /** Ids of rows matching the request that the principal may read AND perform `action` on. */
  private async targetIds(
    def: ResourceDef,
    request: ParsedRequest,
    principal: Principal | null,
    action: Action,
  ): Promise<number[]> {
    if (!principal) throw denied(principal, `${action} ${def.name}`);
    if (request.count) throw new AppError('bad_request', '$count cannot be written');
    const filter = rowFilter(def.name, action, principal);
    if (filter.kind === 'none') throw denied(principal, `${action} ${def.name}`);
    // A write's $filter compiles like a read's: the same static budget (odata/query-cost.ts).
    const tooExpensive = overBudget(measureQuery(def, request), tierOf(principal));
    if (tooExpensive) throw tooExpensive;
    return permittedIds(this.ctx.db, this.plans, def, request, principal, action, filter);
  }

  /** A new row's parent must be readable (else "does not exist") and allow the action (else 403). */
  private async checkParent(def: ResourceDef, values: Values, principal: Principal): Promise<void> {
    const parent = createParent(def.name);
    if (!parent) return;
    const parentDef = requireResource(parent.resource);
    const id = values[parent.field];
    const exists = async (action: Action): Promise<boolean> => {
      const filter = rowFilter(parentDef.name, action, principal);
      if (filter.kind === 'none') return false;
      const { d } = await this.read(`/${parentDef.name}(${Number(id)})?$select=id`, principal);
      if ((d as unknown[]).length === 0) return false;
      if (filter.kind === 'all') return true;
      const ids = await this.targetIds(
        parentDef,
        parseODataUrl(`/${parentDef.name}(${Number(id)})`),
        principal,
        action,
      );
      return ids.length > 0;
    };
    if (!(await exists('read')))
      throw new AppError('validation', `${parent.field} ${Number(id)} does not exist`);
    if (parent.action !== 'read' && !(await exists(parent.action))) {
      throw new AppError('forbidden', `Not allowed to create ${def.name} on this ${parent.resource}`);
    }
  }
}

function requireResource(name: string): ResourceDef {
  const def = resourceDef(name);
  if (!def) throw new AppError('odata_unknown', `Unknown resource "${clip(name)}"`);
  return def;
}

function denied(principal: Principal | null, what: string): AppError {
  return principal ? new AppError('forbidden', `Not allowed to ${what}`) : new AppError('unauthorized', '');
}

function readOnly(resource: string, verb: string): AppError {
  return new AppError('method_not_allowed', `"${resource}" cannot be ${verb} through /v7`);
}

/** Body → field values: unknown or non-writable fields and wrong types are 400s. */
function checkBody(def: ResourceDef, body: unknown, mode: 'create' | 'update'): Values {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('validation', 'The request body must be a JSON object');
  }
  const values: Values = {};
  for (const [name, raw] of Object.entries(body)) {
    const field = Object.hasOwn(def.fields, name) ? def.fields[name] : undefined;
    if (!field) throw new AppError('validation', `Unknown field "${clip(name)}" on resource "${def.name}"`);
    if (!field[mode])
      throw new AppError('validation', `"${name}" cannot be ${mode === 'create' ? 'set' : 'changed'}`);
    values[name] = checkValue(name, field, raw);
  }
  return values;
}

/**
 * A PUT body completed to the whole entity: every field a PATCH could change and the body leaves out
 * takes its default, as pinejs sets `DEFAULT` (odata-to-abstract-sql `BindVars`): null, false for a
 * flag (the column default); without one the field is required.
 */
function replacement(def: ResourceDef, values: Values): Values {
  const full: Values = { ...values };
  for (const [name, field] of Object.entries(def.fields)) {
    if (!field.update || full[name] !== undefined) continue;
    if (field.nullable) full[name] = null;
    else if (field.type === 'boolean') full[name] = 0;
    else throw new AppError('validation', `"${name}" is required: PUT replaces the whole ${def.name}`);
  }
  return full;
}

function checkValue(name: string, field: FieldDef, raw: unknown): unknown {
  const value =
    field.type === 'fk' && typeof raw === 'object' && raw !== null && '__id' in raw ? raw.__id : raw;
  if (value === null) {
    if (!field.nullable) throw new AppError('validation', `"${name}" cannot be null`);
    return null;
  }
  const wrong = (expected: string) => new AppError('validation', `"${name}" must be ${expected}`);
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      if (value.includes('\u0000')) throw wrong('text without NUL characters');
      if (field.maxLength !== undefined && value.length > field.maxLength) {
        throw wrong(`at most ${field.maxLength} characters`);
      }
      return value;
    case 'fk':
    case 'integer':
    case 'id':
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < (field.type === 'integer' ? -2147483648 : 1) ||
        value > 2147483647
      ) {
        throw wrong('an integer');
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value ? 1 : 0;
    case 'datetime': {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(ms)) throw wrong('an ISO 8601 date');
      return ms;
    }
    case 'json':
      return JSON.stringify(value);
  }
}

function toColumns(def: ResourceDef, values: Values): Values {
  const row: Values = {};
  for (const [name, value] of Object.entries(values)) {
    const column = def.fields[name]?.column ?? name;
    row[column] = value;
  }
  return row;
}

/** balena's 409 text: `"a" and "b" must be unique.` (COMPAT.md A8), from either driver's error. */
function rethrowConflict(def: ResourceDef) {
  return (error: unknown): never => {
    if (!isUniqueViolation(error)) throw error;
    const { message = '', detail = '' } = error as { message?: string; detail?: string };
    const pg = /^Key \(([^)]+)\)/.exec(detail)?.[1];
    const lite = /UNIQUE constraint failed: (.+)$/.exec(message)?.[1];
    const columns = (pg ?? lite ?? '')
      .split(',')
      .map((c) =>
        c
          .trim()
          .replace(/^[\w]+\./, '')
          .replace(/^lower\((\w+)\)$/, '$1'),
      )
      .filter((c) => c !== '');
    const text =
      columns.length > 0
        ? `${columns.map((c) => `"${c}"`).join(' and ')} must be unique.`
        : 'Unique key constraint violated';
    throw new AppError('conflict', text, { cause: new Error(`unique violation on ${def.name}`) });
  };
}

/** A guarded read's rows (asked for as rows, so never the JSON text of a wrapped plan). */
function guardedRows(result: ReaderResult): readonly ArrayRow[] {
  if ('rows' in result) return result.rows;
  throw new Error('rows were asked for');
}

function answerText(plan: Plan, count: boolean, rows: readonly ArrayRow[]): string {
  return count ? String(countOf(rows)) : (plan.serialize as RowSerializer)(rows);
}

/** The number a `/$count` read answers with. */
function countOf(rows: readonly ArrayRow[]): number {
  return Number(rows[0]?.[0] ?? 0);
}
