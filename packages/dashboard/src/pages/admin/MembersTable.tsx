import type { Organization } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { useAsync } from '../../lib/use-async.ts';

interface MembershipRow {
  readonly id: number;
  readonly user: { __id: number } | number;
  readonly is_member_of__organization: { __id: number } | number;
  readonly role: string;
}
const idOf = (ref: { __id: number } | number): number => (typeof ref === 'number' ? ref : ref.__id);

/** A user's name as the member list shows it (instance users, or co-members read through /v7). */
export interface MemberName {
  readonly id: number;
  readonly username: string;
}

interface Member {
  readonly org: Organization;
  readonly userId: number;
  readonly username: string;
  readonly role: string;
}

/**
 * The memberships the caller can read, with removal (the server refuses the last administrator with
 * a 409). Without `viewerId` (an instance administrator) every row can be removed; with it, only the
 * rows of organizations where that user is an administrator.
 */
export function MembersTable({
  orgs,
  users,
  version,
  viewerId,
}: {
  orgs: readonly Organization[];
  users: readonly MemberName[];
  /** Changes when a membership was added elsewhere on the page. */
  version: number;
  viewerId?: number | undefined;
}): ReactElement {
  const client = useClient();
  const rows = useAsync(
    () =>
      client.odata.get<MembershipRow>('organization_membership', {
        $select: ['id', 'user', 'is_member_of__organization', 'role'],
        $orderby: 'id asc',
      }),
    [client, version],
  );
  const [removing, setRemoving] = useState<Member | null>(null);
  const names = new Map(users.map((u) => [u.id, u.username]));
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const members: Member[] = (rows.data ?? []).flatMap((row) => {
    const org = byId.get(idOf(row.is_member_of__organization));
    const userId = idOf(row.user);
    return org ? [{ org, userId, username: names.get(userId) ?? `user ${userId}`, role: row.role }] : [];
  });
  const administered = new Set(
    members.filter((m) => m.userId === viewerId && m.role === 'administrator').map((m) => m.org.id),
  );
  const canRemove = (m: Member): boolean => viewerId === undefined || administered.has(m.org.id);

  return (
    <>
      <h3>Members</h3>
      <ErrorNotice error={rows.error} />
      <div className="table-wrap">
        <table className="cards">
          <caption className="visually-hidden">Members of organizations</caption>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={`${m.org.id}-${m.userId}`} data-member={`${m.org.handle}/${m.username}`}>
                <td data-label="Organization">{m.org.name}</td>
                <td data-label="User">{m.username}</td>
                <td data-label="Role">{m.role}</td>
                <td>
                  {canRemove(m) && (
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Remove ${m.username} from ${m.org.name}`}
                      onClick={() => setRemoving(m)}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {removing && (
        <RemoveMemberDialog
          member={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            void rows.reload();
          }}
        />
      )}
    </>
  );
}

function RemoveMemberDialog({
  member,
  onClose,
  onRemoved,
}: {
  member: Member;
  onClose: () => void;
  onRemoved: () => void;
}): ReactElement {
  const client = useClient();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await client.admin.organizations.removeMember(member.org.id, member.userId);
      onRemoved();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title="Remove member?" onClose={onClose}>
      <p>
        <strong>{member.username}</strong> loses access to <strong>{member.org.name}</strong> at once: their
        sessions and API keys can no longer see its fleets, devices or events.
      </p>
      <ErrorNotice error={error} />
      <div className="dialog-actions">
        <button type="button" className="secondary" onClick={onClose} data-autofocus="">
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Removing…' : 'Remove member'}
        </button>
      </div>
    </Dialog>
  );
}
