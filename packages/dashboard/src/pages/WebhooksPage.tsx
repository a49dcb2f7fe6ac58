import { isMooringError, type MooringClient, type Organization, type WebhookEndpoint } from '@mooring/sdk';
import { type ReactElement, useState } from 'react';
import type { SignedInUser } from '../App.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { ConfirmDeleteDialog } from '../components/RenameDialog.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useClient } from '../lib/client.tsx';
import { formatDateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { CreateWebhookDialog } from './webhooks/CreateWebhookDialog.tsx';
import { DeliveriesDialog } from './webhooks/DeliveriesDialog.tsx';
import { EditWebhookDialog } from './webhooks/EditWebhookDialog.tsx';
import { describeTypes } from './webhooks/event-types.ts';
import { RotateSecretDialog } from './webhooks/RotateSecretDialog.tsx';

// Mooring disables an endpoint by itself when it answers 410 or keeps failing: re-read now and then.
const POLL_MS = 30_000;

interface MembershipRow {
  readonly is_member_of__organization: { __id: number } | number;
}
const idOf = (ref: { __id: number } | number): number => (typeof ref === 'number' ? ref : ref.__id);

/**
 * The organizations whose webhooks the user manages: every one for an instance administrator, else
 * those where their membership role is `administrator` (the API refuses the others with a 403).
 */
async function managedOrganizations(client: MooringClient, userId: number): Promise<Organization[]> {
  let orgs: Organization[];
  try {
    orgs = await client.admin.organizations.list();
  } catch (error) {
    if (!isMooringError(error, 'Forbidden')) throw error;
    const [visible, memberships] = await Promise.all([
      client.odata.get<Organization>('organization', { $select: ['id', 'name', 'handle'] }),
      client.odata.get<MembershipRow>('organization_membership', {
        $select: 'is_member_of__organization',
        $filter: `user eq ${userId} and role eq 'administrator'`,
      }),
    ]);
    const administered = new Set(memberships.map((m) => idOf(m.is_member_of__organization)));
    orgs = visible.filter((org) => administered.has(org.id));
  }
  return orgs.sort((a, b) => a.name.localeCompare(b.name));
}

type Open =
  | { kind: 'create' }
  | { kind: 'deliveries'; endpoint: WebhookEndpoint }
  | { kind: 'edit'; endpoint: WebhookEndpoint }
  | { kind: 'rotate'; endpoint: WebhookEndpoint }
  | { kind: 'disable'; endpoint: WebhookEndpoint }
  | { kind: 'delete'; endpoint: WebhookEndpoint }
  | null;

export function WebhooksPage({ user }: { user: SignedInUser }): ReactElement {
  const client = useClient();
  const scope = useAsync(async () => {
    const organizations = await managedOrganizations(client, user.userId);
    return { organizations, fleets: organizations.length > 0 ? await client.fleets.list() : [] };
  }, [client, user.userId]);
  const manages = (scope.data?.organizations.length ?? 0) > 0;
  const endpoints = useAsync(
    async () => (manages ? client.webhooks.list() : []),
    [client, manages],
    manages ? POLL_MS : undefined,
  );
  const [open, setOpen] = useState<Open>(null);
  const [toggleError, setToggleError] = useState<unknown>(undefined);
  // Reload before closing: the dialog hands the focus back to its opener, which must already be
  // gone from the list (deleted endpoint) or still there, not removed right after.
  const close = (): void => {
    void endpoints.reload().finally(() => setOpen(null));
  };

  const orgName = (id: number): string =>
    scope.data?.organizations.find((o) => o.id === id)?.name ?? `organization ${id}`;
  const fleetNames = (ids: readonly number[] | null): string =>
    ids === null
      ? 'All fleets'
      : ids.map((id) => scope.data?.fleets.find((f) => f.id === id)?.name ?? `fleet ${id}`).join(', ');

  const enable = async (endpoint: WebhookEndpoint): Promise<void> => {
    setToggleError(undefined);
    try {
      await client.webhooks.update(endpoint.id, { enabled: true });
      await endpoints.reload();
    } catch (err) {
      setToggleError(err);
    }
  };

  return (
    <>
      <PageHeading
        actions={
          manages && (
            <button type="button" onClick={() => setOpen({ kind: 'create' })}>
              Add endpoint
            </button>
          )
        }
      >
        Webhooks
      </PageHeading>
      <p className="muted">
        Mooring POSTs your organizations' events (a device going offline, a key about to expire) to your
        endpoints, signed with each endpoint's secret, and retries for three days until they answer.
      </p>
      {scope.loading && !scope.data && <p aria-busy="true">Loading…</p>}
      <ErrorNotice error={scope.error} onRetry={() => void scope.reload()} />
      {scope.data && !manages && (
        <div className="empty" data-no-organizations="">
          <p>
            Webhooks are managed by the administrators of an organization, and you are not an administrator of
            any organization. Ask one of your organization's administrators to add an endpoint, or to make you
            an administrator.
          </p>
        </div>
      )}
      {manages && <ErrorNotice error={endpoints.error} onRetry={() => void endpoints.reload()} />}
      <ErrorNotice error={toggleError} />
      {manages && endpoints.data?.length === 0 && (
        <div className="empty">
          <p>
            No webhook endpoints yet. Add one to have Mooring call your service when a device changes state,
            instead of polling for it.
          </p>
          <button type="button" className="secondary" onClick={() => setOpen({ kind: 'create' })}>
            Add your first endpoint
          </button>
        </div>
      )}
      {manages && endpoints.data && endpoints.data.length > 0 && (
        <div className="table-wrap">
          <table className="cards">
            <caption className="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Organization</th>
                <th scope="col">Events</th>
                <th scope="col">Fleets</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.map((endpoint) => {
                const name = endpoint.description ?? endpoint.url;
                return (
                  <tr key={endpoint.id} data-webhook={endpoint.url}>
                    <td data-label="Endpoint">
                      <div>
                        <strong className="mono webhook-url">{endpoint.url}</strong>
                        {endpoint.description && <div className="muted small">{endpoint.description}</div>}
                      </div>
                    </td>
                    <td data-label="Organization">{orgName(endpoint.organization)}</td>
                    <td data-label="Events">{describeTypes(endpoint.types)}</td>
                    <td data-label="Fleets">{fleetNames(endpoint.fleets)}</td>
                    <td data-label="Status">
                      <div>
                        <StatusBadge status={endpoint.enabled ? 'enabled' : 'disabled'} />
                        <EndpointHealth endpoint={endpoint} />
                        {endpoint.enabled ? (
                          <button
                            type="button"
                            className="link-button small"
                            onClick={() => setOpen({ kind: 'disable', endpoint })}
                            aria-label={`Disable ${name}`}
                          >
                            Disable
                          </button>
                        ) : (
                          <button
                            type="button"
                            className="link-button small"
                            onClick={() => void enable(endpoint)}
                            aria-label={`Enable ${name}`}
                          >
                            Enable
                          </button>
                        )}
                      </div>
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setOpen({ kind: 'deliveries', endpoint })}
                        aria-label={`Deliveries to ${name}`}
                      >
                        Deliveries
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setOpen({ kind: 'edit', endpoint })}
                        aria-label={`Edit ${name}`}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => setOpen({ kind: 'rotate', endpoint })}
                        aria-label={`Rotate the secret of ${name}`}
                      >
                        Rotate secret
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setOpen({ kind: 'delete', endpoint })}
                        aria-label={`Delete ${name}`}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'create' && scope.data && (
        <CreateWebhookDialog
          organizations={scope.data.organizations}
          fleets={scope.data.fleets}
          onClose={close}
        />
      )}
      {open?.kind === 'deliveries' && <DeliveriesDialog endpoint={open.endpoint} onClose={close} />}
      {open?.kind === 'edit' && (
        <EditWebhookDialog endpoint={open.endpoint} fleets={scope.data?.fleets ?? []} onClose={close} />
      )}
      {open?.kind === 'rotate' && <RotateSecretDialog endpoint={open.endpoint} onClose={close} />}
      {open?.kind === 'disable' && (
        <ConfirmDeleteDialog
          title="Disable endpoint?"
          action="Disable endpoint"
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await client.webhooks.update(open.endpoint.id, { enabled: false });
            close();
          }}
        >
          {`Mooring stops sending to ${open.endpoint.url}, and deliveries still queued wait. Enabling it again resumes with the next event: events written meanwhile are not sent unless you redeliver them.`}
        </ConfirmDeleteDialog>
      )}
      {open?.kind === 'delete' && (
        <ConfirmDeleteDialog
          title="Delete endpoint?"
          action="Delete endpoint"
          onClose={() => setOpen(null)}
          onConfirm={async () => {
            await client.webhooks.delete(open.endpoint.id);
            close();
          }}
        >
          {`Mooring stops sending to ${open.endpoint.url} at once and deletes its delivery log. Its signing secret stops working. This cannot be undone.`}
        </ConfirmDeleteDialog>
      )}
    </>
  );
}

const DISABLED_BECAUSE: Readonly<Record<string, string>> = {
  gone: 'The receiver answered 410 Gone.',
  failing: 'Every attempt failed for 5 days.',
};

/** Why an endpoint is off, that it is failing, or that a rotated secret still signs. */
function EndpointHealth({ endpoint }: { endpoint: WebhookEndpoint }): ReactElement | null {
  const notes: string[] = [];
  if (!endpoint.enabled && endpoint.disabledReason && DISABLED_BECAUSE[endpoint.disabledReason])
    notes.push(`${DISABLED_BECAUSE[endpoint.disabledReason]} ${formatDateTime(endpoint.disabledAt)}`);
  if (endpoint.enabled && endpoint.failingSince)
    notes.push(`Failing since ${formatDateTime(endpoint.failingSince)}`);
  if (endpoint.previousSecretExpiresAt)
    notes.push(`Old secret signs until ${formatDateTime(endpoint.previousSecretExpiresAt)}`);
  if (notes.length === 0) return null;
  return (
    <div className="muted small" data-health="">
      {notes.map((n) => (
        <div key={n}>{n}</div>
      ))}
    </div>
  );
}
