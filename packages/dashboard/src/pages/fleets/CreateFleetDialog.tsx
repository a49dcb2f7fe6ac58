import { type FormEvent, type ReactElement, useState } from 'react';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FormActions } from '../../components/FormActions.tsx';
import { useClient } from '../../lib/client.tsx';
import { useAsync } from '../../lib/use-async.ts';

interface DeviceTypeRow {
  readonly slug: string;
  readonly name: string;
}
interface OrganizationRow {
  readonly id: number;
  readonly name: string;
  readonly handle: string;
}

export function CreateFleetDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (id: number) => void;
}): ReactElement {
  const client = useClient();
  const options = useAsync(
    async () => ({
      deviceTypes: await client.odata.get<DeviceTypeRow>('device_type', {
        $select: 'slug,name',
        $orderby: 'name asc',
      }),
      organizations: await client.odata.get<OrganizationRow>('organization', {
        $select: 'id,name,handle',
        $orderby: 'name asc',
      }),
    }),
    [client],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const fleet = await client.fleets.create({
        name: String(form.get('name') ?? '').trim(),
        deviceType: String(form.get('deviceType') ?? ''),
        organization: Number(form.get('organization')),
      });
      onCreated(fleet.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Dialog title="Create fleet" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <div className="field">
          <label htmlFor="fleet-name">Name</label>
          <input
            id="fleet-name"
            name="name"
            required
            minLength={4}
            maxLength={100}
            aria-describedby="fleet-name-hint"
          />
          <p className="hint" id="fleet-name-hint">
            At least 4 characters: letters, digits, “-” and “_”.
          </p>
        </div>
        <div className="field">
          <label htmlFor="fleet-type">Default device type</label>
          <select id="fleet-type" name="deviceType" required defaultValue="">
            <option value="" disabled>
              {options.loading ? 'Loading…' : 'Choose a device type'}
            </option>
            {options.data?.deviceTypes.map((type) => (
              <option key={type.slug} value={type.slug}>
                {type.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fleet-org">Organization</label>
          <select id="fleet-org" name="organization" required>
            {options.data?.organizations.map((org) => (
              <option key={org.id} value={org.id}>
                {org.name}
              </option>
            ))}
          </select>
        </div>
        <ErrorNotice error={options.error ?? error} />
        <FormActions
          onCancel={onClose}
          busy={busy}
          label="Create fleet"
          busyLabel="Creating…"
          disabled={!options.data}
        />
      </form>
    </Dialog>
  );
}
