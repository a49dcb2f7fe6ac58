import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSecret } from '../../server/test/support/secret-ledger.js';
import {
  runServerToExit,
  type ServerProcess,
  startServerProcess,
} from '../../server/test/support/server-process.js';
import { runCli } from './support/cli.js';

/**
 * Issue 23, operator first steps, with real processes on SQLite: a failed first start creates nobody,
 * MOORING_ADMIN_PASSWORD says when it is ignored, and `mooring admin reset-password` is the way back in.
 */
describe('first start and offline password reset', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let generated: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mooring-first-start-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const login = (password: string): Promise<Response> =>
    fetch(`${server?.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
  const whoami = (token: string): Promise<number> =>
    fetch(`${server?.url}/actor/v1/whoami`, { headers: { authorization: `Bearer ${token}` } }).then(
      (res) => res.status,
    );
  const resetPassword = (args: string[], input?: string) =>
    runCli(['admin', 'reset-password', ...args], {
      env: { MOORING_DATA_DIR: dataDir },
      ...(input === undefined ? {} : { input }),
    });

  it('a start that fails on a busy port creates no administrator; the next start prints the password', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const failed = await runServerToExit({ MOORING_DATA_DIR: dataDir, MOORING_PORT: String(port) });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain('EADDRINUSE');
      expect(failed.stdout).not.toContain('Created administrator');
    } finally {
      busy.close();
    }

    server = await startServerProcess({ MOORING_DATA_DIR: dataDir });
    generated = (await server.waitFor(/One-time password \(shown only now\): (\S+)/))[1] ?? '';
    recordSecret('password', generated);
    expect((await login(generated)).status).toBe(200);
    await server.stop();
  });

  it('says when MOORING_ADMIN_PASSWORD is ignored because the administrator exists', async () => {
    server = await startServerProcess({
      MOORING_DATA_DIR: dataDir,
      MOORING_ADMIN_PASSWORD: 'never-applied-password',
    });
    await server.waitFor(/MOORING_ADMIN_PASSWORD is ignored: the database already has users/);
    expect(server.stdout()).not.toContain('Created administrator');
    expect((await login('never-applied-password')).status).toBe(401);
    expect((await login(generated)).status).toBe(200);
  });

  it('admin reset-password sets a new one-time password and revokes the sessions of a running server', async () => {
    const token = await (await login(generated)).text();
    expect(await whoami(token)).toBe(200);

    const reset = await resetPassword(['--username', 'admin']);
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    const fresh = /New password for "admin" \(shown only now\): (\S+)/.exec(reset.stdout)?.[1] ?? '';
    recordSecret('password', fresh);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(reset.stdout).toMatch(/Revoked [1-9]\d* session\(s\) of "admin"/);

    expect((await login(generated)).status).toBe(401);
    expect((await login(fresh)).status).toBe(200);
    // SQLite: the running server forgets cached sessions within its cache lifetime (10 s).
    const until = Date.now() + 15_000;
    let status = await whoami(token);
    while (status === 200 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await whoami(token);
    }
    expect(status).toBe(401);
  }, 40_000);

  it('reads the password from stdin with --password-stdin, and refuses bad input with exit statuses', async () => {
    const chosen = 'chosen on the server machine';
    recordSecret('password', chosen);
    const reset = await resetPassword(['--password-stdin', '--json'], `${chosen}\n`);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ username: 'admin', password: null });
    expect((await login(chosen)).status).toBe(200);

    expect((await resetPassword(['--username', 'nobody'])).code).toBe(4);
    const short = await resetPassword(['--password-stdin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 8 characters');
    const elsewhere = await runCli(['admin', 'reset-password'], {
      env: { MOORING_DATA_DIR: join(dataDir, 'not-here') },
    });
    expect(elsewhere.code).toBe(7);
    expect(elsewhere.stderr).toContain('no database at');
  }, 40_000);
});
