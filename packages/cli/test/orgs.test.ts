import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { runCli, tempConfigDir } from './support/cli.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(dialects())('mooring org remove-member (%s)', (dialect) => {
  let server: ListeningServer;
  let adminToken: string;
  const api = async (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    server = await startListeningServer(dialect);
    const login = await fetch(`${server.url}/login_`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    adminToken = await login.text();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an organization administrator removes a member by name; the last administrator is refused', async () => {
    const users: Record<string, number> = {};
    for (const name of ['olive', 'max']) {
      const res = await api('POST', '/mooring/v1/users', adminToken, {
        username: name,
        password: `${name} password long enough`,
      });
      expect(res.status).toBe(201);
      users[name] = ((await res.json()) as { id: number }).id;
    }
    const org = await api('POST', '/mooring/v1/organizations', adminToken, {
      name: 'Harbour',
      handle: 'harbour',
    });
    const orgId = ((await org.json()) as { id: number }).id;
    for (const [name, role] of [
      ['olive', 'administrator'],
      ['max', 'member'],
    ] as const) {
      const res = await api('PUT', `/mooring/v1/organizations/${orgId}/members/${users[name]}`, adminToken, {
        role,
      });
      expect(res.status).toBe(204);
    }

    const env = { MOORING_CONFIG_DIR: tempConfigDir(), MOORING_API_URL: server.url };
    const cli = (args: string[], input?: string) =>
      runCli(args, { env, ...(input === undefined ? {} : { input }) });
    expect((await cli(['login', '-u', 'olive'], 'olive password long enough\n')).code).toBe(0);

    const removed = await cli(['org', 'remove-member', 'harbour', 'max']);
    expect(removed.stderr).toBe('');
    expect(removed.stdout).toContain('Removed max from harbour.');
    expect(removed.code).toBe(0);

    const again = await cli(['org', 'remove-member', 'harbour', 'max']);
    expect(again.code).toBe(4);

    const last = await cli(['org', 'remove-member', 'harbour', String(users.olive), '--json']);
    expect(last.code).toBe(5);
    expect(last.stderr).toMatch(/last administrator/);

    const members = await api(
      'GET',
      `/v7/organization_membership?$select=user&$filter=is_member_of__organization eq ${orgId}`,
      adminToken,
    );
    expect(((await members.json()) as { d: unknown[] }).d).toHaveLength(1);
  });
});
