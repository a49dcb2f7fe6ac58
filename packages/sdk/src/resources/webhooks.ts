import type * as contract from '@mooring/protocol/contract';
import type { Transport } from '../transport.js';

/** A webhook endpoint (docs/events.md "Webhooks"); `publicKey` verifies `v1a,` signatures ({@link verifyWebhook}). */
export type WebhookEndpoint = contract.WebhookEndpoint;

/** A new endpoint with its `whsec_` secret, which the server shows only this once. */
export type CreatedWebhookEndpoint = contract.CreatedWebhookEndpoint;

/** `types`: e.g. `['device.offline']` or `['device.*']`, default all; `organization`: id or handle. */
export type CreateWebhookInput = contract.CreateWebhookBody;

export type UpdateWebhookInput = contract.UpdateWebhookBody;

export type WebhookDeliveryStatus = contract.WebhookDeliveryStatus;

/** One delivery attempt; `response` is the first 1 KiB of the receiver's answer. */
export type WebhookAttempt = contract.WebhookAttempt;

/** A delivery; `webhookId` is the `webhook-id` header, the same for every attempt and redelivery. */
export type WebhookDelivery = contract.WebhookDelivery;

/** A page of the delivery log; pass `next` as `before` for older deliveries (null at the end). */
export type WebhookDeliveryPage = contract.WebhookDeliveryPage;

/**
 * Webhook endpoints of the organizations you administer (organization administrators only).
 *
 * @example
 * const hooks = await client.webhooks.list();
 */
export class WebhooksResource {
  constructor(private readonly http: Transport) {}

  /**
   * Creates an endpoint. Keep `secret` (shown only now) to verify `v1,` signatures, or use
   * `publicKey` with {@link verifyWebhook} for `v1a,`.
   *
   * @example
   * const hook = await client.webhooks.create({ organization: 'admin', url: 'https://example.com/hooks', types: ['device.offline'] });
   * saveSecret(hook.secret);
   */
  create(input: CreateWebhookInput): Promise<CreatedWebhookEndpoint> {
    return this.http.request<CreatedWebhookEndpoint>('POST', '/mooring/v1/webhooks', { body: input });
  }

  /**
   * The endpoints you manage, optionally of one organization.
   *
   * @example
   * for (const e of await client.webhooks.list()) console.log(e.id, e.url, e.enabled);
   */
  async list(options: { organization?: number } = {}): Promise<WebhookEndpoint[]> {
    const page = await this.http.request<{ endpoints: WebhookEndpoint[] }>('GET', '/mooring/v1/webhooks', {
      query: { organization: options.organization },
    });
    return page.endpoints;
  }

  /**
   * One endpoint (NotFound when it is not one you manage).
   *
   * @example
   * const { publicKey } = await client.webhooks.get(3);
   */
  get(id: number): Promise<WebhookEndpoint> {
    return this.http.request<WebhookEndpoint>('GET', `/mooring/v1/webhooks/${endpointId(id)}`);
  }

  /**
   * Changes url, description, types, fleets or enabled (re-enabling starts from the next event).
   *
   * @example
   * await client.webhooks.update(3, { types: ['device.offline', 'device.online'] });
   */
  update(id: number, changes: UpdateWebhookInput): Promise<WebhookEndpoint> {
    return this.http.request<WebhookEndpoint>('PATCH', `/mooring/v1/webhooks/${endpointId(id)}`, {
      body: changes,
    });
  }

  /**
   * Deletes an endpoint and its delivery log.
   *
   * @example
   * await client.webhooks.delete(3);
   */
  async delete(id: number): Promise<void> {
    await this.http.request<unknown>('DELETE', `/mooring/v1/webhooks/${endpointId(id)}`);
  }

  /**
   * A new `whsec_` secret; the old one keeps signing for `gracePeriodSeconds` (default 24 h).
   *
   * @example
   * const { secret } = await client.webhooks.rotateSecret(3, { gracePeriodSeconds: 3600 });
   */
  rotateSecret(
    id: number,
    options: { gracePeriodSeconds?: number } = {},
  ): Promise<{ secret: string; previousSecretExpiresAt: string | null }> {
    return this.http.request('POST', `/mooring/v1/webhooks/${endpointId(id)}/rotate-secret`, {
      body:
        options.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds },
    });
  }

  /**
   * The delivery log, newest first, with every attempt.
   *
   * @example
   * const { deliveries } = await client.webhooks.deliveries(3, { status: 'failed' });
   */
  deliveries(
    id: number,
    options: { before?: number; limit?: number; status?: WebhookDeliveryStatus } = {},
  ): Promise<WebhookDeliveryPage> {
    return this.http.request<WebhookDeliveryPage>(
      'GET',
      `/mooring/v1/webhooks/${endpointId(id)}/deliveries`,
      {
        query: { before: options.before, limit: options.limit, status: options.status },
      },
    );
  }

  /**
   * Sends one event again (`{ eventId }`) or every event since a time (`{ since }`), same webhook-id.
   *
   * @example
   * await client.webhooks.redeliver(3, { since: new Date(Date.now() - 3_600_000) });
   */
  redeliver(
    id: number,
    which: { eventId: number } | { since: Date | string },
  ): Promise<{ queued: number; truncated: boolean }> {
    const body =
      'eventId' in which
        ? { eventId: which.eventId }
        : { since: which.since instanceof Date ? which.since.toISOString() : which.since };
    return this.http.request('POST', `/mooring/v1/webhooks/${endpointId(id)}/redeliver`, { body });
  }

  /**
   * Queues a `webhook.test` message (sent once); find its outcome in {@link deliveries}.
   *
   * @example
   * const { webhookId } = await client.webhooks.sendTest(3);
   */
  sendTest(id: number): Promise<{ webhookId: string }> {
    return this.http.request('POST', `/mooring/v1/webhooks/${endpointId(id)}/test`, { body: {} });
  }
}

function endpointId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1)
    throw new TypeError('webhook endpoint id must be a positive integer');
  return id;
}
