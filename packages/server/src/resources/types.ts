import type { Kysely } from 'kysely';
import type { Principal, ScopeArea } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { Fragment } from '../db/sql/fragment.js';
import type { NewEvent } from '../events/event-types.js';
import type { EventTransaction } from '../events/event-writer.js';
import type { Action, FleetLimit, Predicate, PredicateForm } from '../permissions/permissions.js';

/**
 * What a `/v7` resource is (COMPAT.md A5–A8): its table, fields and navigations, who may touch which
 * rows, and what its writes do besides the row change. Each resource declares all of it in its own
 * file (`resources/<name>.ts`); `resources/model.ts` collects them in `REGISTRY`. The OData compiler
 * takes identifiers only from here, never from the request.
 */
export interface ResourceDef {
  readonly name: string;
  readonly table: keyof DB & string;
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly navigations: Readonly<Record<string, NavigationDef>>;
  /** Fields usable as `resource(field='…')`. */
  readonly alternateKeys: readonly string[];
  /** Unique constraints, for balena's 409 message `"a" and "b" must be unique.` */
  readonly uniques: readonly (readonly string[])[];
  /** Who may read and write which rows (evaluated by `resources/access.ts`). */
  readonly access: AccessRules;
  /** What a write of this resource does besides changing its row (run by `odata/odata.service.ts`). */
  readonly hooks: WriteHooks;
}

export type FieldType = 'id' | 'integer' | 'string' | 'boolean' | 'datetime' | 'fk' | 'json';

export interface FieldDef {
  readonly type: FieldType;
  /** Column name; absent for computed fields. */
  readonly column?: string;
  /** SQL for a computed field, given the row alias (quoted). Identifiers only, never input. */
  readonly computed?: (alias: string) => string;
  /** The resource a foreign key points to (only documentation for non-exposed targets). */
  readonly references?: string;
  readonly nullable: boolean;
  /** Writable on POST / PATCH through /v7 (subject to permissions). */
  readonly create?: boolean;
  readonly update?: boolean;
  readonly required?: boolean;
  readonly maxLength?: number;
}

export type NavigationDef =
  /** To-one through a foreign key on this row. */
  | { readonly kind: 'one'; readonly target: string; readonly localField: string }
  /** To-many through a foreign key on the target rows. */
  | { readonly kind: 'many'; readonly target: string; readonly remoteField: string }
  /**
   * balena's computed `is_directly_accessible_by__user`: pairs every row the caller can read with the
   * calling user (COMPAT.md A6). Target rows: the caller's own user row.
   */
  | { readonly kind: 'caller-user'; readonly target: 'user' };

export type WriteAction = Exclude<Action, 'read'>;

/**
 * A resource's permission rules (DESIGN.md §2, STYLE.md §5), as SQL predicates over the row alias.
 * Effective rights = a named key's limits ∩ its owner's current rights, both evaluated in SQL at
 * request time. An absent rule grants nothing.
 */
export interface AccessRules {
  /** Writes `/v7` never performs for anyone (405 rather than 403). */
  readonly readOnly?: readonly WriteAction[];
  /** Readable by anyone, even without credentials (COMPAT.md (b) item 0). */
  readonly publicRead?: boolean;
  /** Rows anonymous callers may read. */
  readonly anonymous?: Predicate;
  /** Rows members of organizations (users that are not administrators) may act on, any action. */
  readonly member?: Predicate;
  /** Rows a device key may act on, per action (COMPAT.md (b) item 4). */
  readonly device?: Partial<Record<Action, Predicate>>;
  /** Fields a device key may change (default: every updatable field). */
  readonly deviceWritable?: ReadonlySet<string>;
  /** The scope area a named key needs (reads need any level, writes `write`); none = readable context. */
  readonly area?: ScopeArea;
  /** Rows within a fleet-restricted key's fleets. */
  readonly inFleets?: (alias: string, form: PredicateForm, fleets: FleetLimit) => Fragment;
  /** False when a new row would lie outside any fleet list by definition (a new fleet). */
  readonly createInFleets?: boolean;
  /** A new row's parent (by foreign key) must pass this action's filter; moving the row too. */
  readonly createParent?: { readonly field: string; readonly resource: string; readonly action: Action };
}

export type Values = Record<string, unknown>;

/**
 * Services a hook needs from features above `resources/`, injected by `app.ts` (resources/ imports
 * no feature that imports it).
 */
export interface WriteServices {
  /** Clears cached credentials here and on the other instances. */
  invalidateCredentials(): Promise<void>;
  /** `api_key` expiry changes: the key policy (api-keys/key-updates.ts `checkKeyUpdate`). */
  checkKeyUpdate(
    db: Database,
    ids: readonly number[],
    values: Readonly<Values>,
    principal: Principal | null,
  ): Promise<void>;
}

/** A write in its transaction. */
export interface WriteScope {
  readonly trx: Kysely<DB>;
  /** The same transaction as a {@link Database} (for repositories that take one). */
  readonly db: Database;
  readonly ids: readonly number[];
  readonly values: Readonly<Values>;
  readonly principal: Principal | null;
  readonly now: number;
  readonly services: WriteServices;
}

/** A write after its commit. */
export interface CommitScope {
  readonly action: WriteAction;
  readonly db: Database;
  readonly ids: readonly number[];
  readonly values: Readonly<Values>;
  readonly principal: Principal | null;
  readonly now: number;
  readonly services: WriteServices;
}

/** Events of a write appended by a later step of the same transaction (docs/events.md). */
export type LateEvents = (trx: EventTransaction) => Promise<readonly NewEvent[]>;

/** Every hook is optional; each runs in the order listed for its write. */
export interface WriteHooks {
  /** POST: checks beyond types and fills defaults and derived columns (in the insert's transaction). */
  readonly prepareInsert?: (
    trx: Kysely<DB>,
    values: Readonly<Values>,
    now: number,
  ) => Promise<Values> | Values;
  /** POST: events of the new row, after the insert. */
  readonly insertEvents?: (trx: EventTransaction, id: number, now: number) => Promise<readonly NewEvent[]>;
  /** PATCH/PUT: checks of the values alone, before any SQL. */
  readonly validateUpdate?: (values: Readonly<Values>) => void;
  /** PATCH/PUT: events, read before the rows change (returned as a step run after the change). */
  readonly updateEvents?: (scope: WriteScope) => Promise<LateEvents | null>;
  /** PATCH/PUT: rules needing the rows and the caller, before the UPDATE; a throw rolls back. */
  readonly beforeUpdate?: (scope: WriteScope) => Promise<void>;
  /** PATCH/PUT: derived columns, after the UPDATE. */
  readonly afterUpdate?: (scope: WriteScope) => Promise<void>;
  /** DELETE: events, read before the rows go. */
  readonly deleteEvents?: (scope: WriteScope) => Promise<readonly NewEvent[]>;
  /** DELETE: actors owned by the rows, deleted with them (their API keys go by FK cascade). */
  readonly ownedActors?: (scope: WriteScope) => Promise<readonly number[]>;
  /** After the commit: cache invalidation, audit. */
  readonly afterCommit?: (scope: CommitScope) => Promise<void>;
}
