import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { useAsync } from '../../lib/use-async.ts';
import { MembersTable } from './MembersTable.tsx';

export function OrganizationsSection(): ReactElement {
  const client = useClient();
  const data = useAsync(
    async () => ({ orgs: await client.admin.organizations.list(), users: await client.admin.users.list() }),
    [client],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState(0);

  const act = async (
    event: FormEvent<HTMLFormElement>,
    action: (form: FormData) => Promise<string>,
  ): Promise<void> => {
    event.preventDefault();
    const formElement = event.currentTarget;
    setError(undefined);
    setStatus('');
    try {
      setStatus(await action(new FormData(formElement)));
      formElement.reset();
      setVersion((v) => v + 1);
      await data.reload();
    } catch (err) {
      setError(err);
    }
  };

  const create = (form: FormData): Promise<string> => {
    const name = String(form.get('name') ?? '').trim();
    const handle = String(form.get('handle') ?? '').trim();
    return client.admin.organizations.create({ name, handle }).then(() => `Organization ${name} created.`);
  };
  const addMember = (form: FormData): Promise<string> => {
    const role = form.get('role') === 'administrator' ? 'administrator' : 'member';
    return client.admin.organizations
      .addMember(Number(form.get('org')), Number(form.get('user')), role)
      .then(() => 'Membership saved.');
  };

  return (
    <section aria-labelledby="orgs-title">
      <h2 id="orgs-title">Organizations</h2>
      <ErrorNotice error={data.error} />
      {data.data && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Handle</th>
                </tr>
              </thead>
              <tbody>
                {data.data.orgs.map((org) => (
                  <tr key={org.id}>
                    <td>{org.name}</td>
                    <td className="mono">{org.handle}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <MembersTable orgs={data.data.orgs} users={data.data.users} version={version} />
          <h3>New organization</h3>
          <form
            className="inline-form"
            onSubmit={(event) => void act(event, create)}
            aria-label="Add an organization"
          >
            <div className="field">
              <label htmlFor="org-name">Name</label>
              <input id="org-name" name="name" required />
            </div>
            <div className="field">
              <label htmlFor="org-handle">Handle</label>
              <input
                id="org-handle"
                name="handle"
                required
                pattern="[a-z0-9_-]+"
                title="Lowercase letters, digits, - and _"
              />
            </div>
            <button type="submit">Add organization</button>
          </form>
          <h3>Add a member</h3>
          <form
            className="inline-form"
            onSubmit={(event) => void act(event, addMember)}
            aria-label="Add a member"
          >
            <div className="field">
              <label htmlFor="member-org">Organization</label>
              <select id="member-org" name="org" required>
                {data.data.orgs.map((org) => (
                  <option key={org.id} value={org.id}>
                    {org.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="member-user">User</label>
              <select id="member-user" name="user" required>
                {data.data.users.map((user) => (
                  <option key={user.id} value={user.id}>
                    {user.username}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="member-role">Role</label>
              <select id="member-role" name="role">
                <option value="member">Member</option>
                <option value="administrator">Administrator</option>
              </select>
            </div>
            <button type="submit">Add member</button>
          </form>
        </>
      )}
      <ErrorNotice error={error} />
      {status && (
        <p className="notice notice-info" role="status">
          {status}
        </p>
      )}
    </section>
  );
}
