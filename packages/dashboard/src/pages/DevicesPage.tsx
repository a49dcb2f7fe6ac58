import type { ReactElement } from 'react';
import { PageHeading } from '../components/PageHeading.tsx';
import { useClient } from '../lib/client.tsx';
import { useAsync } from '../lib/use-async.ts';
import { DeviceList } from './devices/DeviceList.tsx';

/** Every device the user can see, across fleets, with live status. */
export function DevicesPage(): ReactElement {
  const client = useClient();
  const fleets = useAsync(() => client.fleets.list(), [client]);
  const names = new Map(fleets.data?.map((fleet) => [fleet.id, fleet.name]));
  return (
    <>
      <PageHeading>Devices</PageHeading>
      <DeviceList fleetNames={names} />
    </>
  );
}
