import { type DeviceDetection, POLL_INTERVAL_VAR } from '@mooring/sdk';
import { type FormEvent, type ReactElement, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDuration } from '../../lib/format.ts';
import { useAsync } from '../../lib/use-async.ts';

/** The supervisor's poll interval (milliseconds): it also sets how soon a silent device is reported. */
export const POLL_VAR = POLL_INTERVAL_VAR;

type Target = { readonly fleet: number } | { readonly device: number };

/**
 * Sets or clears the poll interval of a fleet or a device, and says what it means: the worst-case
 * time before a silent device is reported (interval × 1.5, then the server's offline grace), in the
 * server's figures (a device's from its status history, a fleet's from its detection endpoint).
 */
export function PollIntervalSection({
  target,
  detection,
  onChanged,
}: {
  target: Target;
  /** The server's figures for a device; a fleet reads its own. */
  detection?: DeviceDetection | undefined;
  onChanged?: () => void;
}): ReactElement {
  const client = useClient();
  const field = 'fleet' in target ? 'application' : 'device';
  const targetKey = 'fleet' in target ? `f${target.fleet}` : `d${target.device}`;
  const current = useAsync(() => client.config.pollInterval(target), [client, targetKey]);
  const [fleetVersion, setFleetVersion] = useState(0);
  const fleetDetection = useAsync(
    async () => ('fleet' in target ? client.fleets.detection(target.fleet) : undefined),
    [client, targetKey, fleetVersion],
  );
  const shown = detection ?? fleetDetection.data;
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');

  const save = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const seconds = Number(new FormData(event.currentTarget).get('seconds'));
    setError(undefined);
    setStatus('');
    try {
      if (!Number.isFinite(seconds) || seconds <= 0) {
        await client.config.setPollInterval(target, null);
        setStatus('Poll interval cleared: the default applies.');
      } else {
        await client.config.setPollInterval(target, Math.round(seconds * 1000));
        setStatus(`Poll interval set to ${formatDuration(seconds * 1000)}.`);
      }
      await current.reload();
      setFleetVersion((v) => v + 1);
      onChanged?.();
    } catch (err) {
      setError(err);
    }
  };

  const configuredMs = current.data ?? undefined;
  const subject =
    'fleet' in target ? "This fleet's devices (those without their own interval) poll" : 'Polls';
  return (
    <section aria-labelledby="poll-title">
      <h2 id="poll-title">Poll interval and detection time</h2>
      {shown ? (
        <p data-detection="">
          {subject} every <strong>{formatDuration(shown.pollIntervalMs)}</strong> (
          {shown.source === 'default' ? 'server default' : `set on the ${shown.source}`}
          {shown.floorApplied ? `, raised to the server's floor of ${formatDuration(shown.floorMs)}` : ''}
          ). If {'fleet' in target ? 'one' : 'it'} goes silent it is reported{' '}
          <strong>timed out after {formatDuration(shown.timeoutAfterMs)}</strong> and{' '}
          <strong>offline after {formatDuration(shown.offlineAfterMs)}</strong> at worst (interval × 1.5 +
          grace).
        </p>
      ) : (
        <p className="muted" aria-busy="true">
          Loading…
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
            key={current.data ?? 'none'}
            defaultValue={configuredMs === undefined ? '' : String(configuredMs / 1000)}
          />
        </div>
        <button type="submit">Set interval</button>
      </form>
      <ErrorNotice error={current.error ?? fleetDetection.error ?? error} />
      {status && (
        <p className="status-text" role="status">
          {status}
        </p>
      )}
    </section>
  );
}
