import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MooringClient } from '@mooring/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { runCli, tempConfigDir } from './support/cli.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

// Every test spawns several node processes; on a busy two-core machine each takes a second or more.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(dialects())('mooring login, whoami and keys against a real server (%s)', (dialect) => {
  let server: ListeningServer;
  let configDir: string;
  const cli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, {
      ...options,
      env: { MOORING_CONFIG_DIR: configDir, MOORING_API_URL: server.url, ...options.env },
    });

  beforeAll(async () => {
    server = await startListeningServer(dialect);
    configDir = tempConfigDir();
    const login = await cli(['login', '--username', 'admin'], { input: `${ADMIN_PASSWORD}\n` });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toBe(`Logged in to ${server.url} as admin.\n`);
  });
  afterAll(async () => {
    await server.close();
  });

  it('stores the session owner-only (0600 in a 0700 directory) and remembers the server', () => {
    const sessions = join(configDir, 'sessions');
    const [file] = readdirSync(sessions);
    expect(file).toBeDefined();
    expect(statSync(join(sessions, file ?? '')).mode & 0o777).toBe(0o600);
    expect(statSync(sessions).mode & 0o777).toBe(0o700);
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'))).toEqual({ apiUrl: server.url });
  });

  it('uses the server of the last login when neither --api-url nor MOORING_API_URL is given', async () => {
    const result = await runCli(['whoami', '--json'], { env: { MOORING_CONFIG_DIR: configDir } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).apiUrl).toBe(server.url);
  });

  it('whoami prints the user as a table, and as JSON with --json', async () => {
    const table = await cli(['whoami']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^User: {8}admin$/m);
    expect(table.stdout).toMatch(/^Credential: {2}session$/m);

    const json = await cli(['whoami', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      apiUrl: server.url,
      credential: 'session',
      actor: {
        actorId: expect.any(Number),
        id: expect.any(Number),
        type: 'user',
        username: 'admin',
        email: 'admin@localhost',
      },
    });
  });

  it('refuses a wrong piped password with exit status 3 and one clear line', async () => {
    const dir = tempConfigDir();
    const result = await runCli(['login', '--username', 'admin'], {
      input: 'not the password\n',
      env: { MOORING_CONFIG_DIR: dir, MOORING_API_URL: server.url },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `mooring: login refused by ${server.url}: wrong user name or password (HTTP 401)\n`,
    );
    expect(existsSync(join(dir, 'sessions'))).toBe(false);
  });

  it('needs --username when stdin is a pipe, and a password line', async () => {
    const noUser = await cli(['login'], { input: 'x\n' });
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain('--username is required when stdin is not a terminal');

    const noPassword = await cli(['login', '--username', 'admin'], { input: '' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('no password given');
  });

  it('creates a key (secret once on stdout, warning on stderr), lists it, and revocation locks it out', async () => {
    const created = await cli([
      'key',
      'create',
      'monitoring',
      '--never',
      '--scope',
      'read',
      '--description',
      'cron',
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^mk_u_[A-Za-z0-9_]+$/);
    expect(created.stdout).toBe(`${key}\n`);
    expect(created.stderr).toMatch(
      /^Created API key "monitoring" \(id \d+\)\. Store it now: it is shown only once/,
    );

    const listed = await cli(['key', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key);
    const keys = JSON.parse(listed.stdout) as {
      id: number;
      name: string;
      prefix: string;
      scopes: string[];
      expiresAt: null;
      description: string;
    }[];
    const entry = keys.find((k) => k.name === 'monitoring');
    expect(entry).toMatchObject({
      description: 'cron',
      scopes: ['read'],
      expiresAt: null,
      status: 'active',
      kind: 'user',
    });
    expect(key.startsWith(entry?.prefix.replace(/…$/, '') ?? 'missing')).toBe(true);

    const table = await cli(['key', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ {0,2}ID {2}NAME +PREFIX +SCOPES +FLEETS +CREATED +LAST USED +EXPIRES +STATUS$/,
    );
    expect(table.stdout).toMatch(new RegExp(`^ *${entry?.id} {2}monitoring .* never +active$`, 'm'));

    const asKey = await cli(['whoami', '--json'], { env: { MOORING_API_KEY: key } });
    expect(asKey.code).toBe(0);
    expect(JSON.parse(asKey.stdout)).toMatchObject({ credential: 'api-key', actor: { username: 'admin' } });

    const revoked = await cli(['key', 'revoke', String(entry?.id)]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`Revoked API key ${entry?.id}.\n`);

    const refused = await cli(['whoami'], { env: { MOORING_API_KEY: key } });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `mooring: the API key in MOORING_API_KEY was refused by ${server.url}: it is revoked, expired or mistyped (HTTP 401)\n`,
    );
    // The secret went to stdout once; the server never logged it.
    expect(server.logs.text()).not.toContain(key);
  });

  it('key create --json gives id, name, key and expiry; revoke accepts the name', async () => {
    const created = await cli([
      'key',
      'create',
      'ci-deploy',
      '--expires',
      '2099-01-31',
      '--header-only',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body).toEqual({
      id: expect.any(Number),
      name: 'ci-deploy',
      key: expect.stringMatching(/^mk_u_/),
      expiresAt: '2099-01-31T00:00:00.000Z',
    });

    const listed = JSON.parse((await cli(['key', 'list', '--json'])).stdout) as {
      id: number;
      headerOnly: boolean;
    }[];
    expect(listed.find((k) => k.id === body.id)?.headerOnly).toBe(true);

    const revoked = await cli(['key', 'revoke', 'ci-deploy', '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: body.id, revoked: true });
  });

  it('key usage prints requests per UTC day and the last use; bad --days is a usage error', async () => {
    const key = (await cli(['key', 'create', 'counted', '--never'])).stdout.trim();
    for (let i = 0; i < 2; i++) {
      expect((await cli(['whoami'], { env: { MOORING_API_KEY: key } })).code).toBe(0);
    }
    await server.app.mooring.usage.flush();
    const today = new Date().toISOString().slice(0, 10);

    const table = await cli(['key', 'usage', 'counted', '--days', '3']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DAY \(UTC\)\s+REQUESTS$/);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(new RegExp(`^${today}\\s+2$`));
    expect(table.stderr).toMatch(
      /^Key \d+: 2 requests in 3 days; last used \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\.\n$/,
    );

    const json = await cli(['key', 'usage', 'counted', '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { total: number; days: { day: string; requests: number }[] };
    expect(body.total).toBe(2);
    expect(body.days).toHaveLength(30);
    expect(body.days.at(-1)).toEqual({ day: today, requests: 2 });

    for (const days of ['0', '91', 'week']) {
      const bad = await cli(['key', 'usage', 'counted', '--days', days]);
      expect(bad.code, days).toBe(2);
      expect(bad.stderr).toMatch(/--days .* must be a whole number of days from 1 to 90/);
    }
    const missing = await cli(['key', 'usage', '999999']);
    expect(missing.code).toBe(4);
  });

  it('rotates a key: a new secret, the old one valid for the grace period', async () => {
    const old = (await cli(['key', 'create', 'rotating', '--never'])).stdout.trim();
    const rotated = await cli(['key', 'rotate', 'rotating', '--grace', '1h', '--json']);
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout);
    expect(body.key).toMatch(/^mk_u_/);
    expect(body.key).not.toBe(old);
    expect(Date.parse(body.previousExpiresAt) - Date.now()).toBeGreaterThan(59 * 60_000);
    for (const key of [old, body.key]) {
      expect((await cli(['whoami'], { env: { MOORING_API_KEY: key } })).code).toBe(0);
    }
  });

  it('refuses key create without an explicit expiry choice, and bad values, before calling the server', async () => {
    const none = await cli(['key', 'create', 'x']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'mooring: choose when the key expires: --expires <date|duration> (e.g. --expires 90d) or --never\n',
    );

    const past = await cli(['key', 'create', 'x', '--expires', '2001-01-01']);
    expect(past.code).toBe(2);
    expect(past.stderr).toBe('mooring: --expires "2001-01-01" is in the past\n');

    const both = await cli(['key', 'create', 'x', '--expires', '30d', '--never']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("option '--expires <when>' cannot be used with option '--never'");
  });

  it('reports the server refusing a bad scope with exit status 5', async () => {
    const result = await cli(['key', 'create', 'x', '--never', '--scope', 'everything:please']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^mooring: refused: .*scope.* \(HTTP 400\)\n$/i);
  });

  it('an unknown key id or name is not found (exit 4), not silently "revoked"', async () => {
    const byId = await cli(['key', 'revoke', '999999']);
    expect(byId).toEqual({ code: 4, stdout: '', stderr: 'mooring: no API key with id 999999\n' });
    const byName = await cli(['key', 'rotate', 'no-such-key']);
    expect(byName).toEqual({ code: 4, stdout: '', stderr: 'mooring: no API key named "no-such-key"\n' });
  });

  it('creating a named key with an API key explains that a password login is needed', async () => {
    const key = (await cli(['key', 'create', 'full-access', '--never'])).stdout.trim();
    const result = await cli(['key', 'create', 'child', '--never'], { env: { MOORING_API_KEY: key } });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'mooring: creating or rotating named API keys needs a recent password login, not an API key: unset MOORING_API_KEY and run `mooring login` (HTTP 401)\n',
    );
  });

  it('a session revoked elsewhere: exit 3, "log in again", and the dead token is forgotten', async () => {
    const dir = tempConfigDir();
    const env = { MOORING_CONFIG_DIR: dir, MOORING_API_URL: server.url };
    expect((await runCli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n`, env })).code).toBe(0);
    // "Log out everywhere else" from another session revokes this one.
    const other = new MooringClient({ apiUrl: server.url });
    await other.auth.login('admin', ADMIN_PASSWORD);
    expect(await other.sessions.revokeOthers()).toBeGreaterThanOrEqual(1);

    const result = await runCli(['whoami'], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `mooring: your session on ${server.url} has expired or was revoked; run \`mooring login\` (HTTP 401)\n`,
    );
    expect(readdirSync(join(dir, 'sessions'))).toEqual([]);
    // The login of the other client (and so of this test file's CLI session) was revoked too: log in again.
    expect((await cli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n` })).code).toBe(0);
  });

  it('logging in again revokes the session it replaces', async () => {
    const dir = tempConfigDir();
    const env = { MOORING_CONFIG_DIR: dir, MOORING_API_URL: server.url };
    const tokenFile = (): string => join(dir, 'sessions', readdirSync(join(dir, 'sessions'))[0] ?? '');
    expect((await runCli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n`, env })).code).toBe(0);
    const first = readFileSync(tokenFile(), 'utf8').trim();
    expect((await runCli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n`, env })).code).toBe(0);
    const second = readFileSync(tokenFile(), 'utf8').trim();
    expect(second).not.toBe(first);
    const whoami = (token: string) =>
      fetch(`${server.url}/actor/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect((await whoami(first)).status).toBe(401);
    expect((await whoami(second)).status).toBe(200);
  });

  it('logout forgets the session; commands then say how to log in (exit 3)', async () => {
    const dir = tempConfigDir();
    const env = { MOORING_CONFIG_DIR: dir, MOORING_API_URL: server.url };
    expect((await runCli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n`, env })).code).toBe(0);
    const out = await runCli(['logout'], { env });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`Logged out of ${server.url}.\n`);
    expect(readdirSync(join(dir, 'sessions'))).toEqual([]);

    const after = await runCli(['whoami'], { env });
    expect(after.code).toBe(3);
    expect(after.stderr).toBe(
      `mooring: not logged in to ${server.url}; run \`mooring login\` or set MOORING_API_KEY\n`,
    );
  });
});
