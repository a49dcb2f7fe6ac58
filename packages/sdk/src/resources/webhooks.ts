import type { Transport } from '../transport.js';

/** A webhook endpoint (docs/events.md "Webhooks"). */
export interface WebhookEndpoint {
  readonly id: number;
  readonly organization: number;
  readonly url: string;
  readonly description: string | null;
  /** Event types it receives; null: all. */
  readonly types: readonly string[] | null;
  /** Fleets whose events it receives; null: every fleet of the organization. */
  readonly fleets: readonly number[] | null;
  readonly enabled: boolean;
  /** `manual`, `gone` (the receiver answered 410) or `failing` (five days of failures). */
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  /** `whpk_…`: verifies the `v1a,` (Ed25519) signatures; see {@link verifyWebhook}. */
  readonly publicKey: string;
  readonly previousSecretExpiresAt: string | null;
  readonly failingSince: string | null;
  readonly createdAt: string;
  readonly modifiedAt: string;
}

/** A new endpoint with its `whsec_` secret, which the server shows only this once. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  readonly secret: string;
}

export interface CreateWebhookInput {
  /** Organization id or handle. */
  readonly organization: number | string;
  readonly url: string;
  readonly description?: string | null;
  /** e.g. `['device.offline', 'device.online']` or `['device.*']`; default all. */
  readonly types?: readonly string[] | null;
  readonly fleets?: readonly number[] | null;
  readonly enabled?: boolean;
}

export type UpdateWebhookInput = Partial<Omit<CreateWebhookInput, 'organization'>>;

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookAttempt {
  readonly attempt: number;
  readonly at: string;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  /** The first 1 KiB of the receiver's answer. */
  readonly response: string | null;
  readonly succeeded: boolean;
}

export interface WebhookDelivery {
  readonly id: number;
  /** The `webhook-id` header: the same for every attempt and redelivery of the event. */
  readonly webhookId: string;
  readonly eventId: number | null;
  readonly type: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly attemptLog: readonly WebhookAttempt[];
}

export interface WebhookDeliveryPage {
  readonly deliveries: readonly WebhookDelivery[];
  /** Pass as `before` for older deliveries; null at the end. */
  readonly next: number | null;
}

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
