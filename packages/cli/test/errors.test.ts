import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, tempConfigDir } from './support/cli.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

// Every test spawns several node processes; on a busy two-core machine each takes a second or more.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('friendly errors without a server', () => {
  it('an unreachable server: exit status 6 and a message naming it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: url };
    const login = await runCli(['login', '-u', 'admin'], { input: 'whatever\n', env });
    expect(login.code).toBe(6);
    expect(login.stderr).toBe(
      `mooring: cannot reach ${url}: connection refused (is the server running, and is the port right?)\n`,
    );

    const withKey = await runCli(['device', 'list'], { env: { ...env, MOORING_API_KEY: 'mk_u_whatever' } });
    expect(withKey.code).toBe(6);
    expect(withKey.stderr).toContain(`cannot reach ${url}: connection refused`);
  });

  it.each([
    [['--api-url', 'localhost:8080'], '--api-url "localhost:8080" must start with http:// or https://'],
    [
      ['--api-url', 'not a url'],
      '--api-url "not a url" is not a URL: expected http(s)://host[:port], e.g. http://127.0.0.1:8080',
    ],
    [
      ['--api-url', 'http://admin:secret@example.com'],
      '--api-url must not contain a user name or password; use `mooring login` or MOORING_API_KEY',
    ],
    [
      ['--api-url', 'http://example.com/?x=1'],
      '--api-url "http://example.com/?x=1" must not have a query string or fragment',
    ],
  ])('a bad URL %j: exit status 2, no request made', async (args, message) => {
    const result = await runCli([...args, 'fleet', 'list'], {
      env: { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_KEY: 'mk_u_x' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`mooring: ${message}\n`);
  });

  it('a bad MOORING_API_URL is named as such', async () => {
    const result = await runCli(['whoami'], {
      env: { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: 'ftp://files' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'mooring: MOORING_API_URL "ftp://files" must start with http:// or https://\n',
    );
  });

  it('usage errors (unknown command or option, missing argument, bad choice) exit 2', async () => {
    const env = { MOORING_CONFIG_DIR: tempConfigDir() };
    const unknown = await runCli(['fleet', 'lst'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("mooring: unknown command 'lst'");
    expect(unknown.stderr).toContain('(Did you mean list?)');
    const missing = await runCli(['device', 'online'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("mooring: missing required argument 'uuid'");
    const choice = await runCli(['device', 'list', '--status', 'sleepy'], { env });
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain(
      "argument 'sleepy' is invalid. Allowed choices are online, offline, timeout, unknown.",
    );
    const badId = await runCli(['device', 'online', 'not-hex!'], {
      env: { ...env, MOORING_API_KEY: 'mk_u_x' },
    });
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a device UUID or id');
  });

  it('--help lists the exit statuses and the environment variables', async () => {
    const help = await runCli(['--help'], { env: { MOORING_CONFIG_DIR: tempConfigDir() } });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit status:\n  0  success\n  1  a negative answer');
    expect(help.stdout).toContain('8  rate limited (429)');
    expect(help.stdout).toContain('MOORING_API_KEY');
  });
});

describe('friendly errors from a real server, one per HTTP error class', () => {
  let server: ListeningServer;
  let admin: Record<string, string>;

  beforeAll(async () => {
    server = await startListeningServer('sqlite');
    admin = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    expect((await runCli(['login', '-u', 'admin'], { input: `${ADMIN_PASSWORD}\n`, env: admin })).code).toBe(
      0,
    );
  });
  afterAll(async () => {
    await server.close();
  });

  it('403: a user who is not an administrator lists users', async () => {
    const created = await runCli(['user', 'create', 'bob', '--email', 'bob@example.com', '--json'], {
      input: 'bobs long password\n',
      env: admin,
    });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      username: 'bob',
      email: 'bob@example.com',
      isAdmin: false,
    });

    const bob = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    expect((await runCli(['login', '-u', 'bob'], { input: 'bobs long password\n', env: bob })).code).toBe(0);
    const refused = await runCli(['user', 'list'], { env: bob });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^mooring: permission denied: Instance administrator rights required \(HTTP 403, request id [\w-]+\)\n$/,
    );

    const listed = await runCli(['user', 'list'], { env: admin });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID {2}USERNAME {2}E-MAIL +ADMIN {2}CREATED$/m);
    expect(listed.stdout).toMatch(/^ {1}\d {2}bob {7}bob@example\.com +no {5}\d{4}-/m);
  });

  it('409: creating a user that exists', async () => {
    const again = await runCli(['user', 'create', 'admin'], { input: 'another long password\n', env: admin });
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(
      /^mooring: conflict: A user with this username or e-mail already exists \(HTTP 409/,
    );
  });

  it('404: an unknown device and an unknown fleet', async () => {
    const device = await runCli(['device', 'show', '0123456789abcdef0123456789abcdef'], { env: admin });
    expect(device.code).toBe(4);
    expect(device.stderr).toBe(
      "mooring: not found: No device '0123456789abcdef0123456789abcdef' (HTTP 404)\n",
    );
    const fleet = await runCli(['fleet', 'rm', 'admin/nothing', '--yes'], { env: admin });
    expect(fleet.code).toBe(4);
    expect(fleet.stderr).toBe("mooring: not found: No fleet 'admin/nothing' (HTTP 404)\n");
  });

  it('429: too many logins, with the time to wait', async () => {
    // Ten attempts straight to the API fill the per-username window; the CLI makes the eleventh.
    for (let i = 0; i < 10; i++) {
      await fetch(`${server.url}/login_`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'mallory', password: 'guess' }),
      });
    }
    const result = await runCli(['login', '-u', 'mallory'], {
      input: 'guess\n',
      env: { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url },
    });
    expect(result.code).toBe(8);
    expect(result.stderr).toMatch(
      new RegExp(`^mooring: rate limited by ${server.url}: retry in \\d+ seconds \\(HTTP 429\\)\\n$`),
    );
  });
});

describe('5xx from a real server', () => {
  it('a server whose database is gone: exit status 7, says when to retry, no internals', async () => {
    const server = await startListeningServer('sqlite');
    try {
      // The database goes away under the running server: it answers 503 with Retry-After.
      await server.ctx.db.close();
      const result = await runCli(['login', '-u', 'admin'], {
        input: `${ADMIN_PASSWORD}\n`,
        env: { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url },
      });
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(
        new RegExp(
          `^mooring: the server at ${server.url.replaceAll('.', '\\.')} is unavailable \\(HTTP 503\\): try again in \\d+ seconds?\\n$`,
        ),
      );
    } finally {
      await server.app.close();
    }
  });
});
