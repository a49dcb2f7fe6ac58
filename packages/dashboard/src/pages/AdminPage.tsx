import { type MooringClient, MooringError, type Organization } from '@mooring/sdk';
import type { ReactElement } from 'react';
import type { SignedInUser } from '../App.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useClient } from '../lib/client.tsx';
import { useAsync } from '../lib/use-async.ts';
import { type MemberName, MembersTable } from './admin/MembersTable.tsx';
import { OrganizationsSection } from './admin/OrganizationsSection.tsx';
import { UsersSection } from './admin/UsersSection.tsx';

/** What the signed-in user may administer: the whole instance, or the organizations they belong to. */
type Scope =
  | { readonly instanceAdmin: true }
  | {
      readonly instanceAdmin: false;
      readonly orgs: readonly Organization[];
      readonly users: readonly MemberName[];
    };

/**
 * Instance administrators get the instance's users and organizations. Everyone else gets the
 * organizations they belong to, with their members, and can remove members where they are an
 * administrator of the organization (the API decides; the page only hides buttons it would refuse).
 */
async function loadScope(client: MooringClient): Promise<Scope> {
  try {
    await client.admin.organizations.list();
    return { instanceAdmin: true };
  } catch (error) {
    if (!(error instanceof MooringError && error.code === 'Forbidden')) throw error;
  }
  const [orgs, users] = await Promise.all([
    client.odata.get<Organization>('organization', {
      $select: ['id', 'name', 'handle'],
      $orderby: 'name asc',
    }),
    client.odata.get<MemberName>('user', { $select: ['id', 'username'] }),
  ]);
  return { instanceAdmin: false, orgs, users };
}

export function AdminPage({ user }: { user: SignedInUser }): ReactElement {
  const client = useClient();
  const scope = useAsync(() => loadScope(client), [client]);
  return (
    <>
      <PageHeading>Administration</PageHeading>
      {scope.loading && <p aria-busy="true">Loading…</p>}
      <ErrorNotice error={scope.error} />
      {scope.data?.instanceAdmin === true && (
        <>
          <UsersSection />
          <OrganizationsSection />
        </>
      )}
      {scope.data?.instanceAdmin === false && (
        <section aria-labelledby="my-orgs-title">
          <h2 id="my-orgs-title">Your organizations</h2>
          <p className="muted" data-scope="organization">
            Users and organizations are created by the instance's administrators. Where you are an
            administrator of an organization, you can remove its members here.
          </p>
          {scope.data.orgs.length === 0 ? (
            <p className="empty">
              You are not a member of any organization yet. Ask an instance administrator to add you.
            </p>
          ) : (
            <MembersTable
              orgs={scope.data.orgs}
              users={scope.data.users}
              version={0}
              viewerId={user.userId}
            />
          )}
        </section>
      )}
    </>
  );
}
