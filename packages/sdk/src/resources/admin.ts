import type { Transport } from '../transport.js';
import type { AuditEvent, Organization, Role, User } from '../types.js';

/** The caller's audit trail. */
export class AuditResource {
  constructor(private readonly http: Transport) {}

  /**
   * The caller's own audit events (logins, sessions, keys), newest first; at most `limit` (default 100, ≤ 500).
   *
   * @example
   * for (const e of await client.audit.list({ limit: 20 })) console.log(e.at, e.type);
   */
  async list(options: { limit?: number } = {}): Promise<AuditEvent[]> {
    const answer = await this.http.request<{ events: AuditEvent[] }>('GET', '/mooring/v1/audit-events', {
      query: { limit: options.limit },
    });
    return answer.events;
  }
}

interface OrganizationRow {
  id: number;
  name: string;
  handle: string;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  name: row.name,
  handle: row.handle,
});

/** Instance administration (administrators' sessions only; others get `Forbidden`). */
export class AdminResource {
  readonly users: {
    /** @example const users = await client.admin.users.list(); */
    list(): Promise<User[]>;
    /** @example await client.admin.users.create({ username: 'ops', password: 'a long passphrase', isAdmin: false }); */
    create(input: {
      username: string;
      email?: string | null;
      password: string;
      isAdmin?: boolean;
    }): Promise<User>;
  };
  readonly organizations: {
    /** @example const orgs = await client.admin.organizations.list(); */
    list(): Promise<Organization[]>;
    /** @example const org = await client.admin.organizations.create({ name: 'Acme', handle: 'acme' }); */
    create(input: { name: string; handle?: string }): Promise<Organization>;
    /** @example await client.admin.organizations.addMember(org.id, user.id, 'member'); */
    addMember(organizationId: number, userId: number, role: Role): Promise<void>;
    /**
     * Removes a user from an organization: for instance administrators and the organization's
     * administrators (a 409 `Conflict` for its last administrator). Their sessions and keys lose
     * access to it at once.
     *
     * @example await client.admin.organizations.removeMember(org.id, user.id);
     */
    removeMember(organizationId: number, userId: number): Promise<void>;
  };

  constructor(http: Transport) {
    this.users = {
      list: async () => (await http.request<{ users: User[] }>('GET', '/mooring/v1/users')).users,
      create: (input) => http.request<User>('POST', '/mooring/v1/users', { body: input }),
    };
    this.organizations = {
      list: async () =>
        (
          await http.request<{ organizations: OrganizationRow[] }>('GET', '/mooring/v1/organizations')
        ).organizations.map(toOrganization),
      create: async (input) =>
        toOrganization(
          await http.request<OrganizationRow>('POST', '/mooring/v1/organizations', { body: input }),
        ),
      addMember: async (organizationId, userId, role) => {
        await http.request('PUT', `/mooring/v1/organizations/${organizationId}/members/${userId}`, {
          body: { role },
        });
      },
      removeMember: async (organizationId, userId) => {
        await http.request('DELETE', `/mooring/v1/organizations/${organizationId}/members/${userId}`);
      },
    };
  }
}
