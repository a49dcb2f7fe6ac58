import type { ReactElement } from 'react';
import { PageHeading } from '../components/PageHeading.tsx';
import { Link } from '../lib/router.tsx';

export function NotFoundPage(): ReactElement {
  return (
    <>
      <PageHeading>Page not found</PageHeading>
      <p>
        There is nothing at this address. <Link to="/fleets">Go to your fleets</Link>.
      </p>
    </>
  );
}
