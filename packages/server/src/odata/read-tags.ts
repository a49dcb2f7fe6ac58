import { hash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/database.js';
import {
  applicationTables,
  foldTableVersions,
  renewEpoch,
  TableVersionReader,
  trackedTables,
} from '../db/table-versions.js';
import { etagMatches } from '../http/etag.js';
import { withoutCredentialParams } from './credential-params.js';
import type { ODataService } from './odata.service.js';
import { lastParam, type Plan, type PlanVariant, selectListOf } from './plan-cache.js';

/**
 * Strong ETags for `GET /v7/…` (docs/caching.md). A tag is a digest of everything the answer depends
 * on: the tag format, the database epoch, the change counter of every table the plan's SQL reads, the
 * principal (identity and key limits), the plan's SQL and the URL without credentials. Whenever a
 * selected row could have changed, a counter moved, so the tag moved.
 *
 * The counters are read BEFORE the data: a write landing in between yields a tag older than the
 * answer, which the next read's tag no longer matches, never a current tag on an outdated answer.
 * On PostgreSQL a read without `If-None-Match` takes them IN the data's statement instead (a leading
 * column: same snapshot, no round trip of its own); an answer with no row to carry them falls back
 * to counters first, then the data.
 *
 * No answer of `/v7` is computed from the clock at read time: timeouts and offlines are written by the
 * heartbeat sweep (devices/heartbeat.ts), so a device timing out moves the `device` counter like any
 * write. A plan whose SQL would read the clock (`now`, `random()`…) gets no tag, as does one reading a
 * table without a counter. Reads of `*_variable` tables carry secrets: `no-store`, no tag.
 */

/** Bumped when the answer bytes for the same SQL and data change (serializer, wire format). */
const TAG_FORMAT = 1;

/** How often PostgreSQL's per-backend counter rows of ended connections are folded. */
const FOLD_INTERVAL_MS = 5 * 60_000;

/** SQL that reads the clock or chance: its answer may change with no write, so it is never tagged. */
const TIME_DEPENDENT =
  /'now'|\b(?:now|random|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|gen_random_uuid)\s*\(|\b(?:current_timestamp|current_date|current_time|localtime|localtimestamp)\b|\b(?:date|time|datetime|julianday|unixepoch)\s*\(\s*\)/i;

type PlanTag =
  | {
      readonly kind: 'tagged';
      readonly reader: TableVersionReader;
      readonly sqlDigest: string;
      /** PostgreSQL: the plan's statement with the counters as a leading column. */
      readonly withCounters: PlanVariant | null;
    }
  | { readonly kind: 'untagged' }
  | { readonly kind: 'secret' };

const UNTAGGED: PlanTag = { kind: 'untagged' };
const SECRET: PlanTag = { kind: 'secret' };

export class ReadTags {
  private tables: readonly string[] = [];
  private tracked: ReadonlySet<string> = new Set();
  private readonly byPlan = new WeakMap<Plan, PlanTag>();
  private readonly readers = new Map<string, TableVersionReader>();
  private readonly principals = new WeakMap<Principal, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly odata: ODataService,
  ) {}

  /** Learns the schema's tables and their counters, and starts a new epoch. */
  async start(): Promise<void> {
    this.tables = await applicationTables(this.db);
    this.tracked = await trackedTables(this.db);
    await renewEpoch(this.db);
    if (this.db.dialect === 'postgres') {
      this.timer = setInterval(
        () => void foldTableVersions(this.db).catch(() => undefined),
        FOLD_INTERVAL_MS,
      );
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * `GET /v7/<url>` (the path after `/v7`) as its JSON text, with `ETag` and `Cache-Control` set on
   * `reply`; null when `ifNoneMatch` names the current tag (the caller answers 304, nothing read).
   * A read the principal may not make gets no headers here; the read itself refuses it.
   */
  async read(
    url: string,
    principal: Principal | null,
    ifNoneMatch: string | undefined,
    reply: FastifyReply,
  ): Promise<string | null> {
    const prepared = this.odata.reads.prepare(url, principal);
    const tag = prepared.plan ? this.planTag(prepared.plan) : UNTAGGED;
    if (tag.kind === 'secret') reply.header('cache-control', 'no-store');
    // SQLite: while a transaction is open on the one connection (its writes awaiting), a read sees
    // its uncommitted rows and counters, which a rollback would hand out again for other data.
    if (tag.kind !== 'tagged' || this.db.sqlite?.inTransaction)
      return this.odata.readJson(url, principal, prepared);
    if (ifNoneMatch === undefined && tag.withCounters && !prepared.guarded) {
      const { json, lead } = await this.odata.readJsonWithLead(prepared, principal, tag.withCounters);
      if (typeof lead === 'string') {
        this.setTag(reply, tag, lead, principal, url);
        return json;
      }
    }
    const versions = tag.reader.read();
    const etag = this.setTag(
      reply,
      tag,
      typeof versions === 'string' ? versions : await versions,
      principal,
      url,
    );
    return etagMatches(ifNoneMatch, etag) ? null : this.odata.readJson(url, principal, prepared);
  }

  private setTag(
    reply: FastifyReply,
    tag: { readonly sqlDigest: string },
    versions: string,
    principal: Principal | null,
    url: string,
  ): string {
    const etag = `"${hash('sha256', `${TAG_FORMAT}\n${versions}\n${this.principalKey(principal)}\n${tag.sqlDigest}\n${withoutCredentialParams(url)}`, 'base64url')}"`;
    reply.header('etag', etag);
    reply.header('cache-control', 'private, no-cache');
    return etag;
  }

  /** What a plan's tag rests on, worked out once per plan. */
  private planTag(plan: Plan): PlanTag {
    let tag = this.byPlan.get(plan);
    if (tag === undefined) {
      tag = this.classify(plan);
      this.byPlan.set(plan, tag);
    }
    return tag;
  }

  private classify(plan: Plan): PlanTag {
    // Identifiers in the SQL come from the model; a word equal to a table name is (or may be) a read
    // of it. Over-counting (a column named like a table) only makes the tag move more often.
    const words = new Set(plan.sql.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
    const read = this.tables.filter((table) => words.has(table));
    if (read.some((table) => table.endsWith('_variable'))) return SECRET;
    if (read.length === 0 || read.some((table) => !this.tracked.has(table))) return UNTAGGED;
    if (TIME_DEPENDENT.test(plan.sql)) return UNTAGGED;
    const key = read.join(',');
    let reader = this.readers.get(key);
    if (reader === undefined) {
      reader = new TableVersionReader(this.db, read);
      this.readers.set(key, reader);
    }
    return {
      kind: 'tagged',
      reader,
      sqlDigest: hash('sha256', plan.sql, 'base64url'),
      withCounters: this.withCounters(plan, reader),
    };
  }

  /** PostgreSQL: `plan` with the counters of `reader` as a leading column (null on SQLite). */
  private withCounters(plan: Plan, reader: TableVersionReader): PlanVariant | null {
    const selectList = selectListOf(plan);
    if (this.db.dialect !== 'postgres' || selectList === null) return null;
    const counters = reader.column(lastParam(plan) + 1);
    return {
      name: `${plan.name}_tagged`,
      text: `SELECT ${counters.sql} AS mooring_versions, ${selectList}`,
      params: counters.params,
    };
  }

  /** Who is asking, with everything that limits what they see. */
  private principalKey(principal: Principal | null): string {
    if (!principal) return 'anonymous';
    let key = this.principals.get(principal);
    if (key === undefined) {
      const p = principal;
      const limits = p.limits
        ? JSON.stringify([Object.entries(p.limits.areas).sort(), p.limits.fleetIds])
        : 'full';
      key = `${p.kind}:${p.actorId}:${p.userId}:${p.applicationId}:${p.deviceId}:${p.isAdmin}:${p.apiKeyId}:${limits}`;
      this.principals.set(principal, key);
    }
    return key;
  }
}
