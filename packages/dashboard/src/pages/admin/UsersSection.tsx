import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDate } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

export function UsersSection(): ReactElement {
  const client = useClient();
  const users = useAsync(() => client.admin.users.list(), [client]);
  const [error, setError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(undefined);
    setCreated(null);
    try {
      const email = String(form.get('email') ?? '').trim();
      const username = String(form.get('username') ?? '').trim();
      await client.admin.users.create({
        username,
        ...(email ? { email } : {}),
        password: String(form.get('password') ?? ''),
        isAdmin: form.get('isAdmin') === 'on',
      });
      formElement.reset();
      setCreated(username);
      await users.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <ErrorNotice error={users.error} />
      {users.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.id}>
                  <td>{user.username}</td>
                  <td>{user.email ?? '—'}</td>
                  <td>{user.isAdmin ? 'Administrator' : 'User'}</td>
                  <td>{formatDate(user.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {users.data && (
        <form className="inline-form" onSubmit={(event) => void submit(event)} aria-label="Add a user">
          <div className="field">
            <label htmlFor="new-username">Username</label>
            <input id="new-username" name="username" required autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="new-email">E-mail (optional)</label>
            <input id="new-email" name="email" type="email" autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="new-password">Initial password</label>
            <input
              id="new-password"
              name="password"
              type="password"
              required
              minLength={8}
              autoComplete="new-password"
            />
          </div>
          <div className="checkbox">
            <input type="checkbox" id="new-admin" name="isAdmin" />
            <label htmlFor="new-admin">Administrator</label>
          </div>
          <button type="submit">Add user</button>
        </form>
      )}
      <ErrorNotice error={error} />
      {created && (
        <p className="notice notice-info" role="status">
          User {created} created.
        </p>
      )}
    </section>
  );
}
