import { type ReactElement, useState } from 'react';
import type { SignedInUser } from '../App.tsx';
import { EnvVarsSection } from '../components/EnvVarsSection.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { ConfirmDeleteDialog, RenameDialog } from '../components/RenameDialog.tsx';
import { useClient } from '../lib/client.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { DeviceList } from './devices/DeviceList.tsx';
import { PollIntervalSection } from './devices/PollIntervalSection.tsx';
import { ProvisioningKeyDialog } from './fleets/ProvisioningKeyDialog.tsx';

export function FleetPage({ id, user }: { id: string; user: SignedInUser }): ReactElement {
  const client = useClient();
  // Counts live in the device list's health summary (event-driven): the fleet itself is read once.
  const fleet = useAsync(() => client.fleets.get(/^\d+$/.test(id) ? Number(id) : id), [client, id]);
  const [provisioning, setProvisioning] = useState(false);
  const [dialog, setDialog] = useState<'rename' | 'delete' | null>(null);
  const [configVersion, setConfigVersion] = useState(0);

  const f = fleet.data;
  // The device list starts with the fleet read, not after it (one round trip less to open a fleet):
  // it stays in the same place of the tree, so it is not read twice.
  const listFleet = f?.id ?? (/^\d+$/.test(id) ? Number(id) : undefined);
  const list = listFleet !== undefined && (f !== undefined || fleet.loading) && (
    <DeviceList
      fleetId={listFleet}
      emptyAction={
        <button type="button" onClick={() => setProvisioning(true)}>
          Register a device: create a provisioning key
        </button>
      }
    />
  );
  if (!f) {
    return (
      <>
        <div>
          <PageHeading>Fleet</PageHeading>
          {fleet.loading ? <p aria-busy="true">Loading…</p> : <ErrorNotice error={fleet.error} />}
          <p>
            <Link to="/fleets">Back to fleets</Link>
          </p>
        </div>
        {list}
      </>
    );
  }
  return (
    <>
      <div>
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/fleets">Fleets</Link> <span aria-hidden="true">/</span> <span>{f.name}</span>
        </nav>
        <PageHeading
          actions={
            <>
              <button type="button" onClick={() => setProvisioning(true)}>
                Create provisioning key
              </button>
              <button type="button" className="secondary" onClick={() => setDialog('rename')}>
                Rename
              </button>
              <button type="button" className="danger" onClick={() => setDialog('delete')}>
                Delete
              </button>
            </>
          }
        >
          {f.name}
        </PageHeading>
        <p className="muted">Default device type: {f.deviceType ?? 'any'}</p>
      </div>
      {list}
      <PollIntervalSection target={{ fleet: f.id }} onChanged={() => setConfigVersion((v) => v + 1)} />
      <EnvVarsSection target={{ fleet: f.id }} title="Fleet environment variables" />
      <EnvVarsSection
        target={{ fleet: f.id }}
        title="Fleet configuration variables"
        kind="config"
        version={configVersion}
      />
      {dialog === 'rename' && (
        <RenameDialog
          title="Rename fleet"
          current={f.name}
          onClose={() => setDialog(null)}
          onRename={async (name) => {
            await client.fleets.rename(f.id, name);
            await fleet.reload();
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDeleteDialog
          title="Delete fleet?"
          action="Delete fleet"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await client.fleets.remove(f.id);
            navigate('/fleets');
          }}
        >
          {`${f.name} is deleted with all its devices, their keys and variables, and its provisioning keys. This cannot be undone.`}
        </ConfirmDeleteDialog>
      )}
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
