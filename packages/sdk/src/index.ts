/**
 * @mooring/sdk: a typed, fetch-based client for the Mooring API (Node.js ≥ 20 and browsers).
 * Node-only helpers (the 0600 file token store) are in `@mooring/sdk/node`.
 */
export { MooringClient, type MooringClientOptions } from './client.js';
export { isMooringError, MooringError, type MooringErrorCode } from './errors.js';
export { keyPath, type ODataOptions, odataQuery, odataString } from './odata-query.js';
export { POLL_INTERVAL_VAR } from './resources/config.js';
export {
  type DevicePage,
  type DevicePageOptions,
  type DeviceSort,
  type DeviceStatusCounts,
  devicePageFilter,
} from './resources/devices.js';
export type { StreamOptions } from './resources/events.js';
export type {
  CreatedWebhookEndpoint,
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from './resources/webhooks.js';
export type { SigningKeyConfig } from './signing.js';
export {
  type KeyValueStorage,
  LocalStorageTokenStore,
  MemoryTokenStore,
  type TokenStore,
} from './token-store.js';
export type { HttpMethod, QueryValue, RequestOptions, RetryOptions } from './transport.js';
export type * from './types.js';
export {
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  WebhookVerificationError,
} from './webhook-verify.js';
