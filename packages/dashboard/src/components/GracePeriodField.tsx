import type { ReactElement } from 'react';

const PERIODS: readonly [number, string][] = [
  [3_600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
];

/**
 * How long a replaced credential keeps working after a rotation: a `grace` form field in seconds,
 * one day unless changed. `thing` names what is replaced ("key", "secret").
 */
export function GracePeriodField({ id, thing }: { id: string; thing: string }): ReactElement {
  return (
    <div className="field">
      <label htmlFor={id}>Grace period for the old {thing}</label>
      <select id={id} name="grace" defaultValue="86400">
        <option value={0}>None: the old {thing} stops now</option>
        {PERIODS.map(([seconds, label]) => (
          <option key={seconds} value={seconds}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}
