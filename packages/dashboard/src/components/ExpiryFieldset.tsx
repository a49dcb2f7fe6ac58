import type { ReactElement } from 'react';
import { dateInputValue } from '../lib/format.ts';

/**
 * "Expires at the end of <date>" or "Never expires". The date travels in the form as `expiry`; the
 * choice is the caller's state, because a key that never expires is sent as `expiryDate: null`.
 */
export function ExpiryFieldset({
  idPrefix,
  expires,
  onChange,
  defaultDays,
}: {
  readonly idPrefix: string;
  readonly expires: boolean;
  readonly onChange: (expires: boolean) => void;
  /** Days from today preselected in the date picker. */
  readonly defaultDays: number;
}): ReactElement {
  return (
    <fieldset>
      <legend>Expiry</legend>
      <div className="radio">
        <input
          type="radio"
          id={`${idPrefix}-never`}
          name={`${idPrefix}-mode`}
          checked={!expires}
          onChange={() => onChange(false)}
        />
        <label htmlFor={`${idPrefix}-never`}>Never expires</label>
      </div>
      <div className="radio">
        <input
          type="radio"
          id={`${idPrefix}-on`}
          name={`${idPrefix}-mode`}
          checked={expires}
          onChange={() => onChange(true)}
        />
        <label htmlFor={`${idPrefix}-on`}>Expires at the end of</label>
        <input
          type="date"
          name="expiry"
          aria-label="Expiry date"
          disabled={!expires}
          required={expires}
          min={dateInputValue(0)}
          defaultValue={dateInputValue(defaultDays)}
        />
      </div>
    </fieldset>
  );
}
