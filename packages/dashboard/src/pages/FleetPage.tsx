import { type ReactElement, useState } from 'react';
import type { SignedInUser } from '../App.tsx';
import { EnvVarsSection } from '../components/EnvVarsSection.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useClient } from '../lib/client.tsx';
import { Link } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { DeviceList } from './devices/DeviceList.tsx';
import { ProvisioningKeyDialog } from './fleets/ProvisioningKeyDialog.tsx';

export function FleetPage({ id, user }: { id: string; user: SignedInUser }): ReactElement {
  const client = useClient();
  // Counts live in the device list's health summary (event-driven): the fleet itself is read once.
  const fleet = useAsync(() => client.fleets.get(/^\d+$/.test(id) ? Number(id) : id), [client, id]);
  const [provisioning, setProvisioning] = useState(false);

  if (!fleet.data) {
    return (
      <>
        <PageHeading>Fleet</PageHeading>
        {fleet.loading ? <p aria-busy="true">Loading…</p> : <ErrorNotice error={fleet.error} />}
        <p>
          <Link to="/fleets">Back to fleets</Link>
        </p>
      </>
    );
  }
  const f = fleet.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/fleets">Fleets</Link> <span aria-hidden="true">/</span> <span>{f.name}</span>
      </nav>
      <PageHeading
        actions={
          <button type="button" onClick={() => setProvisioning(true)}>
            Create provisioning key
          </button>
        }
      >
        {f.name}
      </PageHeading>
      <p className="muted">Default device type: {f.deviceType ?? 'any'}</p>
      <DeviceList
        fleetId={f.id}
        emptyAction={
          <button type="button" onClick={() => setProvisioning(true)}>
            Register a device: create a provisioning key
          </button>
        }
      />
      <EnvVarsSection target={{ fleet: f.id }} title="Fleet environment variables" />
      {provisioning && (
        <ProvisioningKeyDialog
          fleetId={f.id}
          userId={user.userId}
          deviceType={f.deviceType ?? 'generic-amd64'}
          onClose={() => setProvisioning(false)}
        />
      )}
    </>
  );
}
