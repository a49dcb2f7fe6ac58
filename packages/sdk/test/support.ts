import type { DialectName } from '../../server/src/db/database.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../server/test/support/test-app.js';
import { MemoryTokenStore, MooringClient, type MooringClientOptions } from '../src/index.js';

export { dialects } from '../../server/test/support/databases.js';
export { ADMIN_PASSWORD };

export interface SdkServer {
  readonly t: TestApp;
  readonly apiUrl: string;
  /** Requests the server received, by path (without query), counted on the server's socket. */
  count(path: string): number;
  resetCounts(): void;
  /** A client whose clock is the server's ManualClock, so server and client agree on time. */
  client(options?: Partial<MooringClientOptions>): MooringClient;
  /** A client logged in as the administrator. */
  admin(options?: Partial<MooringClientOptions>): Promise<MooringClient>;
  close(): Promise<void>;
}

/** A real Mooring (buildApp on a fresh, migrated database) listening on 127.0.0.1, port 0. */
export async function startServer(
  dialect: DialectName,
  env: Record<string, string> = {},
): Promise<SdkServer> {
  const t = await createTestApp(dialect, env);
  const apiUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const counts = new Map<string, number>();
  // A second listener on the Node server: sees every request without changing how it is handled.
  t.app.server.on('request', (req: { url?: string }) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    counts.set(path, (counts.get(path) ?? 0) + 1);
  });
  const client = (options: Partial<MooringClientOptions> = {}): MooringClient =>
    new MooringClient({ apiUrl, clock: () => t.clock.now(), ...options });
  return {
    t,
    apiUrl,
    count: (path) => counts.get(path) ?? 0,
    resetCounts: () => counts.clear(),
    client,
    admin: async (options = {}) => {
      const c = client({ tokenStore: new MemoryTokenStore(), ...options });
      await c.auth.login('admin', ADMIN_PASSWORD);
      return c;
    },
    close: () => t.close(),
  };
}

/** Captures the rejection of a promise, failing if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
