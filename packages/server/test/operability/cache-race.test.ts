import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVerifier } from '../../src/api-keys/key-verifier.js';
import { CredentialCache } from '../../src/auth/credential-cache.js';
import type { AppContext } from '../../src/context.js';
import type { Database } from '../../src/db/database.js';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/**
 * Holds the result of the next query until released: the query has run (the row is read) but the
 * caller has not seen it yet. That is the window in which a revocation can commit and its notice
 * arrive, forced instead of hoped for.
 */
class ResultGate {
  private armed = false;
  private open: () => void = () => undefined;
  private reach: () => void = () => undefined;
  reached: Promise<void> = Promise.resolve();

  arm(): void {
    this.armed = true;
    this.reached = new Promise((resolve) => {
      this.reach = resolve;
    });
  }

  release(): void {
    this.open();
  }

  /** The result as it is, or once armed, a promise of it that settles on release. */
  pass<T>(result: T): T | Promise<T> {
    if (!this.armed) return result;
    this.armed = false;
    const released = new Promise<void>((resolve) => {
      this.open = resolve;
    });
    this.reach();
    return released.then(() => result);
  }

  /**
   * The database handle with its results passed through the gate. The key lookup is a hot query
   * (db/hot-query.ts): a statement from the SQLite statement cache, or a named query on the pg pool.
   * A SQLite statement reads synchronously; its caller awaits what `get` returns, so the held
   * promise holds it.
   */
  wrap(db: Database): Database {
    const statements = db.statements;
    const pool = db.pool;
    return {
      ...db,
      statements: statements && {
        ...statements,
        prepare: (text: string) => {
          const statement = statements.prepare(text);
          return { get: (...values: unknown[]) => this.pass(statement.get(...values)) };
        },
      },
      pool: pool && {
        query: async (...args: Parameters<typeof pool.query>) => this.pass(await pool.query(...args)),
      },
    } as unknown as Database;
  }
}

describe.each(dialects())('credential cache race with a revocation (%s)', (dialect) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    admin = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A key verifier of its own whose database reads can be held at the gate. */
  function gatedAuthenticator(): { auth: KeyVerifier; cache: CredentialCache; gate: ResultGate } {
    const gate = new ResultGate();
    const ctx: AppContext = { ...t.ctx, db: gate.wrap(t.ctx.db) };
    const cache = new CredentialCache(t.clock);
    return { auth: new KeyVerifier(ctx, cache), cache, gate };
  }

  async function newKey(name: string): Promise<{ key: string; id: number }> {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api-key/user/full',
      headers: bearer(admin),
      payload: { name, expiryDate: null },
    });
    expect(created.statusCode, created.body).toBe(200);
    const key = JSON.parse(created.body) as string;
    const rows = (
      await t.app.inject({
        method: 'GET',
        url: `/v7/api_key?$filter=name eq '${name}'`,
        headers: bearer(admin),
      })
    ).json().d as { id: number }[];
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('created key not listed');
    return { key, id };
  }

  /**
   * Through the API on PostgreSQL. On SQLite directly through the handle: the verifier's own
   * statements run outside Kysely's connection lock, but the API's writes would wait behind nothing
   * here either; the raw delete keeps the test independent of that.
   */
  async function revoke(id: number): Promise<void> {
    if (t.ctx.db.sqlite) {
      expect(t.ctx.db.sqlite.prepare('DELETE FROM api_key WHERE id = ?').run(id).changes).toBe(1);
      return;
    }
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v7/api_key(${id})`,
      headers: bearer(admin),
    });
    expect(revoked.statusCode).toBe(200);
  }

  it('a lookup that read the key before its revocation does not cache it after the notice', async () => {
    const { auth, cache, gate } = gatedAuthenticator();
    const { key, id } = await newKey('raced');
    const credential = { value: key, transport: 'header' as const };

    gate.arm();
    const lookup = auth.resolve(credential);
    await gate.reached; // the row has been read: the key is still valid in it
    await revoke(id);
    cache.clear(); // the invalidation notice reaches this instance
    gate.release();

    // The request that began before the revocation gets its answer …
    expect((await lookup)?.apiKeyId).toBe(id);
    // … but that answer must not outlive the notice in the cache.
    expect(auth.cached(credential)).toBeUndefined();
    expect(await auth.resolve(credential)).toBeNull();
  });

  it('without a notice in between, the same lookup is cached (the test above can fail)', async () => {
    const { auth, gate } = gatedAuthenticator();
    const { key, id } = await newKey('unraced');
    const credential = { value: key, transport: 'header' as const };

    gate.arm();
    const lookup = auth.resolve(credential);
    await gate.reached;
    gate.release();

    expect((await lookup)?.apiKeyId).toBe(id);
    expect(auth.cached(credential)?.apiKeyId).toBe(id);
  });
});
