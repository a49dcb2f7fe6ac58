import type { DeviceStatusCounts, HeartbeatState } from '@mooring/sdk';
import type { ReactElement } from 'react';
import { HEALTH_ORDER } from '../lib/live-devices.ts';

const LABELS: Record<HeartbeatState, string> = {
  offline: 'Offline',
  timeout: 'Timed out',
  unknown: 'Never seen',
  online: 'Online',
};

const number = new Intl.NumberFormat();

/**
 * How many devices are in each state, worst first; each count filters the list below to that state.
 * Colour follows the badges (offline red, timed out amber, never seen grey) and is never alone.
 */
export function HealthSummary({
  counts,
  selected,
  onSelect,
}: {
  counts: DeviceStatusCounts | undefined;
  selected: HeartbeatState | undefined;
  onSelect: (status: HeartbeatState | undefined) => void;
}): ReactElement {
  const total = counts ? HEALTH_ORDER.reduce((sum, state) => sum + counts[state], 0) : undefined;
  return (
    <section className="health" aria-label="Fleet health" aria-busy={counts === undefined}>
      <button
        type="button"
        className="health-item"
        aria-pressed={selected === undefined}
        onClick={() => onSelect(undefined)}
      >
        <span className="health-count">{total === undefined ? '…' : number.format(total)}</span>
        <span className="health-label">All devices</span>
      </button>
      {HEALTH_ORDER.map((state) => (
        <button
          key={state}
          type="button"
          className={`health-item health-${state}`}
          data-health={state}
          aria-pressed={selected === state}
          onClick={() => onSelect(selected === state ? undefined : state)}
        >
          <span className="health-count">{counts ? number.format(counts[state]) : '…'}</span>
          <span className="health-label">{LABELS[state]}</span>
        </button>
      ))}
    </section>
  );
}
