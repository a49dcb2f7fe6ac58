import type { DeviceDetection } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDuration } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

/** The supervisor's poll interval (milliseconds): it also sets how soon a silent device is reported. */
export const POLL_VAR = 'BALENA_SUPERVISOR_POLL_INTERVAL';

type Target = { readonly fleet: number } | { readonly device: number };

interface ConfigRow {
  readonly id: number;
  readonly value: string;
}

const resourceOf = (t: Target): { resource: string; field: string; id: number } =>
  'fleet' in t
    ? { resource: 'application_config_variable', field: 'application', id: t.fleet }
    : { resource: 'device_config_variable', field: 'device', id: t.device };

/**
 * Sets or clears the poll interval of a fleet or a device, and says what it means: the worst-case
 * time before a silent device is reported (interval × 1.5, then the server's offline grace).
 */
export function PollIntervalSection({
  target,
  detection,
  onChanged,
}: {
  target: Target;
  /** The server's figures for a device; a fleet shows the interval × 1.5 part only. */
  detection?: DeviceDetection | undefined;
  onChanged?: () => void;
}): ReactElement {
  const client = useClient();
  const { resource, field, id } = resourceOf(target);
  const current = useAsync(
    async () =>
      (
        await client.odata.get<ConfigRow>(resource, {
          $select: ['id', 'value'],
          $filter: `${field} eq ${id} and name eq '${POLL_VAR}'`,
        })
      )[0] ?? null,
    [client, resource, field, id],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');

  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const seconds = Number(new FormData(event.currentTarget).get('seconds'));
    setError(undefined);
    setStatus('');
    try {
      const row = current.data;
      if (!Number.isFinite(seconds) || seconds <= 0) {
        if (row) await client.odata.delete(`${resource}(${row.id})`);
        setStatus('Poll interval cleared: the default applies.');
      } else {
        const value = String(Math.round(seconds * 1000));
        if (row) await client.odata.patch(`${resource}(${row.id})`, { value });
        else await client.odata.post(resource, { [field]: id, name: POLL_VAR, value });
        setStatus(`Poll interval set to ${formatDuration(seconds * 1000)}.`);
      }
      await current.reload();
      onChanged?.();
    } catch (err) {
      setError(err);
    }
  };

  const configuredMs = current.data ? Number(current.data.value) : undefined;
  return (
    <section aria-labelledby="poll-title">
      <h2 id="poll-title">Poll interval and detection time</h2>
      {detection ? (
        <p data-detection="">
          Polls every <strong>{formatDuration(detection.pollIntervalMs)}</strong> (
          {detection.source === 'default' ? 'server default' : `set on the ${detection.source}`}
          {detection.floorApplied
            ? `, raised to the server's floor of ${formatDuration(detection.floorMs)}`
            : ''}
          ). If it goes silent it is reported{' '}
          <strong>timed out after {formatDuration(detection.timeoutAfterMs)}</strong> and{' '}
          <strong>offline after {formatDuration(detection.offlineAfterMs)}</strong> at worst (interval × 1.5 +
          grace).
        </p>
      ) : (
        <p className="muted">
          {configuredMs !== undefined && Number.isFinite(configuredMs)
            ? `Devices of this fleet poll every ${formatDuration(configuredMs)} (unless a device sets its own): a silent one is reported timed out after ${formatDuration(configuredMs * 1.5)}, and offline after the server's grace on top (interval × 1.5 + grace).`
            : "No interval set on this fleet: devices use the server's default. Detection takes interval × 1.5 + the offline grace."}
        </p>
      )}
      <form className="inline-form" onSubmit={(event) => void save(event)} aria-label="Set the poll interval">
        <div className="field">
          <label htmlFor={`poll-${field}`}>Poll interval (seconds; empty for the default)</label>
          <input
            id={`poll-${field}`}
            name="seconds"
            type="number"
            min={1}
            step={1}
            key={current.data?.value ?? 'none'}
            defaultValue={
              configuredMs !== undefined && Number.isFinite(configuredMs) ? String(configuredMs / 1000) : ''
            }
          />
        </div>
        <button type="submit">Set interval</button>
      </form>
      <ErrorNotice error={current.error ?? error} />
      {status && (
        <p className="status-text" role="status">
          {status}
        </p>
      )}
    </section>
  );
}
