import type { ReactElement } from 'react';

/** A form dialog's footer: Cancel, and the submit button that shows progress while the call runs. */
export function FormActions({
  onCancel,
  busy,
  label,
  busyLabel,
  disabled = false,
}: {
  readonly onCancel: () => void;
  readonly busy: boolean;
  readonly label: string;
  readonly busyLabel: string;
  readonly disabled?: boolean;
}): ReactElement {
  return (
    <div className="dialog-actions">
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" disabled={busy || disabled}>
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
