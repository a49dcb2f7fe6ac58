import type { MooringEvent } from '@mooring/sdk';
import { type ReactElement, useCallback, useState } from 'react';
import { EnvVarsSection } from '../components/EnvVarsSection.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { ConfirmDeleteDialog, RenameDialog } from '../components/RenameDialog.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useClient } from '../lib/client.tsx';
import { formatDateTimeSeconds } from '../lib/format.ts';
import { lastSeen } from '../lib/live-devices.ts';
import { Link, navigate } from '../lib/router.tsx';
import { useThrottled, useTick } from '../lib/throttle.ts';
import { useAsync } from '../lib/use-async.ts';
import { useDeviceEvents } from '../lib/use-device-events.ts';
import { DeviceKeyDialog } from './devices/DeviceKeyDialog.tsx';
import { DeviceKeys } from './devices/DeviceKeys.tsx';
import { PollIntervalSection } from './devices/PollIntervalSection.tsx';
import { StatusHistory } from './devices/StatusHistory.tsx';
import { UptimeStrip } from './devices/UptimeStrip.tsx';

export function DevicePage({ uuid }: { uuid: string }): ReactElement {
  const client = useClient();
  // Status changes arrive by the event stream; the slow re-read keeps "last seen" current
  // (heartbeats are not events).
  const device = useAsync(() => client.devices.get(uuid), [client, uuid], 60_000);
  const fleetId = device.data?.fleetId;
  const now = useTick(5_000);
  const [version, setVersion] = useState(0);
  const reload = useThrottled(() => {
    void device.reload();
    setVersion((v) => v + 1);
  }, 1_000);
  const onEvents = useCallback(
    (events: readonly MooringEvent[]) => {
      if (events.some((e) => e.deviceUuid === uuid)) reload();
    },
    [uuid, reload],
  );
  useDeviceEvents(fleetId, onEvents, reload);
  const fleet = useAsync(
    async () =>
      fleetId === undefined
        ? undefined
        : { fleet: await client.fleets.get(fleetId), vars: await client.env.list({ fleet: fleetId }) },
    [client, fleetId],
  );
  const [generating, setGenerating] = useState(false);
  const [dialog, setDialog] = useState<'rename' | 'delete' | null>(null);
  const [keysVersion, setKeysVersion] = useState(0);
  const [pollVersion, setPollVersion] = useState(0);
  const detection = useAsync(
    async () => (await client.devices.statusHistory(uuid, { limit: 1 })).detection,
    [client, uuid, pollVersion],
  );

  if (!device.data) {
    return (
      <>
        <PageHeading>Device</PageHeading>
        {device.loading ? <p aria-busy="true">Loading…</p> : <ErrorNotice error={device.error} />}
      </>
    );
  }
  const d = device.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/fleets">Fleets</Link> <span aria-hidden="true">/</span>{' '}
        <Link to={`/fleets/${d.fleetId}`}>{fleet.data?.fleet.name ?? 'Fleet'}</Link>{' '}
        <span aria-hidden="true">/</span> <span>{d.name}</span>
      </nav>
      <PageHeading
        actions={
          <>
            <button type="button" className="secondary" onClick={() => setGenerating(true)}>
              Generate device key
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
        {d.name}
      </PageHeading>
      <ErrorNotice error={device.error} />
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={d.status} />
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd title={formatDateTimeSeconds(d.lastHeartbeatAt)}>{lastSeen(d, now)}</dd>
        </div>
        <div>
          <dt>UUID</dt>
          <dd className="mono">{d.uuid}</dd>
        </div>
        <div>
          <dt>Device type</dt>
          <dd>{d.deviceType ?? '—'}</dd>
        </div>
        <div>
          <dt>OS version</dt>
          <dd>{d.osVersion ?? '—'}</dd>
        </div>
      </dl>
      <UptimeStrip uuid={d.uuid} version={version} now={now} />
      <StatusHistory uuid={d.uuid} version={version} now={now} />
      <EnvVarsSection
        target={{ device: d.id }}
        title="Device environment variables"
        inherited={fleet.data?.vars ?? []}
      />
      <PollIntervalSection
        target={{ device: d.id }}
        detection={detection.data}
        onChanged={() => setPollVersion((v) => v + 1)}
      />
      <EnvVarsSection
        target={{ device: d.id }}
        title="Device configuration variables"
        kind="config"
        version={pollVersion}
      />
      <DeviceKeys device={d} version={keysVersion} />
      {generating && (
        <DeviceKeyDialog
          device={d}
          onClose={() => {
            setGenerating(false);
            setKeysVersion((v) => v + 1);
          }}
        />
      )}
      {dialog === 'rename' && (
        <RenameDialog
          title="Rename device"
          current={d.name}
          onClose={() => setDialog(null)}
          onRename={async (name) => {
            await client.devices.rename(d.uuid, name);
            await device.reload();
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDeleteDialog
          title="Delete device?"
          action="Delete device"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await client.devices.remove(d.uuid);
            navigate(`/fleets/${d.fleetId}`);
          }}
        >
          {`${d.name} is removed from the fleet with its variables and keys; it can no longer poll. A device that should come back must register again.`}
        </ConfirmDeleteDialog>
      )}
    </>
  );
}
