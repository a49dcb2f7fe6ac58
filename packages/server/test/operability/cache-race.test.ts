import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyVerifier } from '../../src/api-keys/key-verifier.js';
import { CredentialCache } from '../../src/auth/credential-cache.js';
import type { AppContext } from '../../src/context.js';
import { dialects } from '../support/databases.js';
import { ADMIN_PASSWORD, bearer, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

/**
 * Holds the result of the next query until released: the query has run (the row is read) but the
 * caller has not seen it yet. That is the window in which a revocation can commit and its notice
 * arrive, forced instead of hoped for.
 */
class ResultGate implements KyselyPlugin {
  private armed = false;
  private open: () => void = () => undefined;
  reached: Promise<void> = Promise.resolve();

  arm(): void {
    this.armed = true;
    let reach: () => void = () => undefined;
    this.reached = new Promise((resolve) => {
      reach = resolve;
    });
    const released = new Promise<void>((resolve) => {
      this.open = resolve;
    });
    this.hold = async () => {
      reach();
      await released;
    };
  }

  release(): void {
    this.open();
  }

  private hold: () => Promise<void> = async () => undefined;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.armed) {
      this.armed = false;
      await this.hold();
    }
    return args.result;
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
    const ctx: AppContext = { ...t.ctx, db: { ...t.ctx.db, kysely: t.ctx.db.kysely.withPlugin(gate) } };
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
   * Through the API on PostgreSQL. SQLite has one connection, which Kysely keeps locked until the
   * held result is delivered, so there the row goes through the raw handle (the query itself has
   * finished; only its result waits).
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
