import type { ReactElement } from 'react';

const LABELS: Record<string, string> = {
  online: 'Online',
  offline: 'Offline',
  timeout: 'Timed out',
  unknown: 'Never seen',
  active: 'Active',
  'expiring-soon': 'Expires soon',
  expired: 'Expired',
  enabled: 'Enabled',
  disabled: 'Disabled',
  delivered: 'Delivered',
  pending: 'Pending',
  retrying: 'Retrying',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A status in words and colour (never colour alone). */
export function StatusBadge({ status }: { status: string }): ReactElement {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {LABELS[status] ?? status}
    </span>
  );
}
