import type { Device, DeviceSort, DeviceStatusCounts, HeartbeatState, MooringEvent } from '@mooring/sdk';
import { type ReactElement, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { HealthSummary } from '../../components/HealthSummary.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useClient } from '../../lib/client.tsx';
import { formatDateTimeSeconds } from '../../lib/format.ts';
import { affectsPage, applyCounts, applyEvents, lastSeen, type PageView } from '../../lib/live-devices.ts';
import { Link } from '../../lib/router.tsx';
import { useThrottled, useTick } from '../../lib/throttle.ts';
import { useAsync } from '../../lib/use-async.ts';
import { useDeviceEvents } from '../../lib/use-device-events.ts';

/**
 * Heartbeats themselves are not events (only transitions are), so "last seen" of online devices is
 * refreshed by re-reading the visible page once a minute: ~25 kB a minute, whatever the fleet size.
 */
const REFRESH_MS = 60_000;
const PAGE_SIZE = 50;

const SORTS: readonly { value: DeviceSort; label: string; descending: boolean }[] = [
  { value: 'status', label: 'Status (offline first)', descending: false },
  { value: 'name', label: 'Name', descending: false },
  { value: 'last-seen', label: 'Last seen (recent first)', descending: true },
  { value: 'created', label: 'Newest first', descending: true },
];

const number = new Intl.NumberFormat();
const EMPTY_COUNTS: DeviceStatusCounts = { online: 0, timeout: 0, offline: 0, unknown: 0 };

interface DeviceListProps {
  /** One fleet's devices; without it, every device the user can see, with a fleet column. */
  readonly fleetId?: number;
  readonly fleetNames?: ReadonlyMap<number, string>;
  /** What an empty fleet offers as its next step (registering a device). */
  readonly emptyAction?: ReactNode;
}

/** A server-paged, searchable, sortable device list kept current by the event stream. */
export function DeviceList({ fleetId, fleetNames, emptyAction }: DeviceListProps): ReactElement {
  const client = useClient();
  const [status, setStatus] = useState<HeartbeatState | undefined>(undefined);
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<DeviceSort>('status');
  const [page, setPage] = useState(0);
  const now = useTick(30_000);

  useEffect(() => {
    const timer = window.setTimeout(() => setSearch(searchInput.trim()), 300);
    return () => window.clearTimeout(timer);
  }, [searchInput]);
  // A new filter starts at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the reset is what these changes trigger.
  useEffect(() => setPage(0), [status, search, sort, fleetId]);

  const descending = SORTS.find((s) => s.value === sort)?.descending ?? false;
  const result = useAsync(
    () =>
      client.devices.page({
        ...(fleetId === undefined ? {} : { fleet: fleetId }),
        ...(status ? { status } : {}),
        ...(search ? { search } : {}),
        sort,
        descending,
        top: PAGE_SIZE,
        skip: page * PAGE_SIZE,
      }),
    [client, fleetId, status, search, sort, descending, page],
    REFRESH_MS,
  );
  const summary = useAsync(
    () => client.devices.statusCounts(fleetId === undefined ? {} : { fleet: fleetId }),
    [client, fleetId],
    REFRESH_MS,
  );

  // What is on screen: the last read, with the transitions received since applied.
  const [rows, setRows] = useState<Device[] | undefined>(undefined);
  const [counts, setCounts] = useState<DeviceStatusCounts | undefined>(undefined);
  useEffect(() => setRows(result.data?.devices), [result.data]);
  useEffect(() => setCounts(summary.data), [summary.data]);

  const reloadPage = useThrottled(() => void result.reload(), 2_000);
  const reloadCounts = useThrottled(() => void summary.reload(), 5_000);
  const view: PageView = useMemo(() => ({ status, search, sort }), [status, search, sort]);
  const onPage = useMemo(() => new Set(rows?.map((d) => d.uuid)), [rows]);

  const onEvents = useCallback(
    (events: readonly MooringEvent[]): void => {
      setRows((current) => current && applyEvents(current, events));
      setCounts((current) => current && applyCounts(current, events).counts);
      if (applyCounts(EMPTY_COUNTS, events).stale) reloadCounts();
      if (events.some((event) => affectsPage(view, onPage, event))) reloadPage();
    },
    [view, onPage, reloadCounts, reloadPage],
  );
  const onResync = useCallback((): void => {
    reloadPage();
    reloadCounts();
  }, [reloadPage, reloadCounts]);
  useDeviceEvents(fleetId, onEvents, onResync);

  const total = result.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // Devices deleted or moved away while this page was open: stay on the last page that exists.
  useEffect(() => {
    if (result.data && page >= pages) setPage(pages - 1);
  }, [result.data, page, pages]);
  const filtered = status !== undefined || search !== '';
  const first = page * PAGE_SIZE + 1;
  const last = Math.min(total, (page + 1) * PAGE_SIZE);

  return (
    <section aria-labelledby="devices-title" className="device-list">
      <div className="section-heading">
        <h2 id="devices-title">Devices</h2>
      </div>
      <HealthSummary counts={counts} selected={status} onSelect={setStatus} />
      <div className="toolbar">
        <div className="field inline grow">
          <label htmlFor="device-search">Search</label>
          <input
            id="device-search"
            type="search"
            placeholder="Name or UUID"
            value={searchInput}
            maxLength={100}
            onChange={(e) => setSearchInput(e.target.value)}
          />
        </div>
        <div className="field inline">
          <label htmlFor="status-filter">Status</label>
          <select
            id="status-filter"
            value={status ?? ''}
            onChange={(e) => setStatus((e.target.value || undefined) as HeartbeatState | undefined)}
          >
            <option value="">All</option>
            <option value="offline">Offline</option>
            <option value="timeout">Timed out</option>
            <option value="unknown">Never seen</option>
            <option value="online">Online</option>
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="device-sort">Sort</label>
          <select id="device-sort" value={sort} onChange={(e) => setSort(e.target.value as DeviceSort)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={result.error} onRetry={() => void result.reload()} />
      {rows?.length === 0 && (
        <div className="empty">
          {filtered ? (
            <>
              <p>No device matches{search ? ` “${search}”` : ''}.</p>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setStatus(undefined);
                  setSearchInput('');
                  setSearch('');
                }}
              >
                Clear filters
              </button>
            </>
          ) : (
            <>
              <p>No devices yet. A device appears here when it registers with a provisioning key.</p>
              {emptyAction ?? <Link to="/fleets">Choose a fleet to register a device</Link>}
            </>
          )}
        </div>
      )}
      {rows && rows.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="cards">
              <caption className="visually-hidden">Devices, updated live</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  {fleetId === undefined && <th scope="col">Fleet</th>}
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Device type</th>
                  <th scope="col">OS version</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((device) => (
                  <tr key={device.uuid} data-device={device.uuid}>
                    <td data-label="Name">
                      <span>
                        <Link to={`/devices/${device.uuid}`}>{device.name}</Link>
                        <span className="mono small muted"> {device.uuid.slice(0, 7)}</span>
                      </span>
                    </td>
                    {fleetId === undefined && (
                      <td data-label="Fleet">
                        <Link to={`/fleets/${device.fleetId}`}>
                          {fleetNames?.get(device.fleetId) ?? device.fleetId}
                        </Link>
                      </td>
                    )}
                    <td data-label="Status">
                      <StatusBadge status={device.status} />
                    </td>
                    <td data-label="Last seen" title={formatDateTimeSeconds(device.lastHeartbeatAt)}>
                      {lastSeen(device, now)}
                    </td>
                    <td data-label="Device type">{device.deviceType ?? '—'}</td>
                    <td data-label="OS version">{device.osVersion ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of devices">
            <span aria-live="polite">
              {number.format(first)}–{number.format(last)} of {number.format(total)}
            </span>
            <button
              type="button"
              className="secondary"
              disabled={page === 0}
              onClick={() => setPage((p) => Math.max(0, p - 1))}
            >
              Previous
            </button>
            <button
              type="button"
              className="secondary"
              disabled={page + 1 >= pages}
              onClick={() => setPage((p) => Math.min(pages - 1, p + 1))}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
