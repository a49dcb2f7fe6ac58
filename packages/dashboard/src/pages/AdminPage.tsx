import type { ReactElement } from 'react';
import { PageHeading } from '../components/PageHeading.tsx';
import { OrganizationsSection } from './admin/OrganizationsSection.tsx';
import { UsersSection } from './admin/UsersSection.tsx';

/** Instance administration. Other users see the API's 403, said plainly, in each section. */
export function AdminPage(): ReactElement {
  return (
    <>
      <PageHeading>Administration</PageHeading>
      <UsersSection />
      <OrganizationsSection />
    </>
  );
}
