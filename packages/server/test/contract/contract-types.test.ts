import type * as contract from '@mooring/protocol/contract';
import { ERROR_CODES, type ErrorCode } from '@mooring/protocol/contract';
import type * as sdk from '@mooring/sdk';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CODE_CLASSES, codeForStatus, errorFromResponse } from '../../../sdk/src/errors.js';
import type { rotateKey } from '../../src/api-keys/api-keys.service.js';
import type { keyUsage } from '../../src/api-keys/usage.service.js';
import type { fleetDetection } from '../../src/devices/fleet-detection.service.js';
import type { registerDevice } from '../../src/devices/registration.service.js';
import type { statusHistory } from '../../src/devices/status-history.service.js';
import type { ErrorCode as ServerErrorCode } from '../../src/errors/codes.js';
import type { createOrganization, getOrganizations } from '../../src/organizations/organizations.service.js';
import type { getMyAuditEvents } from '../../src/sessions/audit.service.js';
import type { changePassword } from '../../src/sessions/password.service.js';
import type { listSessions, revokeOtherSessions } from '../../src/sessions/sessions.service.js';
import type { createUser, getUsers } from '../../src/users/users.service.js';
import type { whoamiActor, whoamiUser } from '../../src/users/whoami.service.js';

/*
 * Type-level drift tests, checked by the compiler (`npm run lint` type-checks the test folders; the
 * `expectTypeOf` calls themselves do nothing at run time). Two sides meet the contract here:
 * - the SDK's public types ARE the contract's `Static` types (equal, not merely compatible);
 * - what the server's services return fits the contract's answer types, for the routes whose answers
 *   are not serialised through a response schema (those are checked by the type provider already).
 */
type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

describe('contract types', () => {
  it('the SDK’s types are the contract’s Static types', () => {
    expectTypeOf<sdk.Actor>().toEqualTypeOf<contract.Actor>();
    expectTypeOf<sdk.Session>().toEqualTypeOf<contract.Session>();
    expectTypeOf<sdk.User>().toEqualTypeOf<contract.User>();
    expectTypeOf<sdk.Organization>().toEqualTypeOf<contract.Organization>();
    expectTypeOf<sdk.Role>().toEqualTypeOf<contract.Role>();
    expectTypeOf<sdk.AuditEvent>().toEqualTypeOf<contract.AuditEvent>();
    expectTypeOf<sdk.KeyUsage>().toEqualTypeOf<contract.KeyUsage>();
    expectTypeOf<sdk.HeartbeatState>().toEqualTypeOf<contract.HeartbeatState>();
    expectTypeOf<sdk.DeviceDetection>().toEqualTypeOf<contract.DeviceDetection>();
    expectTypeOf<sdk.MooringEventType>().toEqualTypeOf<contract.EventType>();
    expectTypeOf<sdk.MooringEvent>().toEqualTypeOf<contract.MooringEvent>();
    expectTypeOf<sdk.EventPage>().toEqualTypeOf<contract.EventPage>();
    expectTypeOf<sdk.WebhookEndpoint>().toEqualTypeOf<contract.WebhookEndpoint>();
    expectTypeOf<sdk.CreatedWebhookEndpoint>().toEqualTypeOf<contract.CreatedWebhookEndpoint>();
    expectTypeOf<sdk.CreateWebhookInput>().toEqualTypeOf<contract.CreateWebhookBody>();
    expectTypeOf<sdk.UpdateWebhookInput>().toEqualTypeOf<contract.UpdateWebhookBody>();
    expectTypeOf<sdk.WebhookDeliveryStatus>().toEqualTypeOf<contract.WebhookDeliveryStatus>();
    expectTypeOf<sdk.WebhookAttempt>().toEqualTypeOf<contract.WebhookAttempt>();
    expectTypeOf<sdk.WebhookDelivery>().toEqualTypeOf<contract.WebhookDelivery>();
    expectTypeOf<sdk.WebhookDeliveryPage>().toEqualTypeOf<contract.WebhookDeliveryPage>();
    // The SDK's camelCase view of the status history is built from the wire type's parts.
    expectTypeOf<sdk.DeviceStatusHistory['detection']>().toEqualTypeOf<contract.StatusHistory['detection']>();
    // What the SDK sends for a named key is a body the contract accepts.
    expectTypeOf<sdk.CreateKeyInput>().toExtend<contract.NamedKeyBody>();
  });

  it('the server’s answers fit the contract’s answer types', () => {
    expectTypeOf<Answer<typeof whoamiActor>>().toExtend<contract.Actor>();
    expectTypeOf<Answer<typeof whoamiUser>>().toExtend<contract.UserWhoami>();
    expectTypeOf<{ sessions: Answer<typeof listSessions> }>().toExtend<contract.SessionList>();
    expectTypeOf<{ revoked: Answer<typeof revokeOtherSessions> }>().toExtend<contract.RevokedSessions>();
    expectTypeOf<Answer<typeof changePassword>>().toExtend<contract.PasswordChanged>();
    expectTypeOf<{ events: Answer<typeof getMyAuditEvents> }>().toExtend<contract.AuditEventList>();
    expectTypeOf<Answer<typeof getUsers>[number]>().toExtend<contract.User>();
    expectTypeOf<Answer<typeof createUser>>().toExtend<contract.User>();
    expectTypeOf<Answer<typeof getOrganizations>[number]>().toExtend<contract.Organization>();
    expectTypeOf<Answer<typeof createOrganization>>().toExtend<contract.Organization>();
    expectTypeOf<Answer<typeof rotateKey>>().toExtend<contract.RotatedKey>();
    expectTypeOf<Answer<typeof registerDevice>>().toExtend<contract.RegisteredDevice>();
    expectTypeOf<Answer<typeof statusHistory>>().toExtend<contract.StatusHistory>();
    expectTypeOf<Answer<typeof fleetDetection>>().toExtend<contract.DeviceDetection>();
    expectTypeOf<Answer<typeof keyUsage>>().toExtend<contract.KeyUsage>();
  });

  it('one error-code union: the server’s is the contract’s, and the SDK maps every code', () => {
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<keyof typeof CODE_CLASSES>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<sdk.MooringError['serverCode']>().toEqualTypeOf<ErrorCode | undefined>();
    // At run time too: the same codes, each mapped as its HTTP status maps.
    expect(Object.keys(CODE_CLASSES).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(CODE_CLASSES[code], code).toBe(codeForStatus(ERROR_CODES[code]));
      const body = JSON.stringify({ error: { code, message: 'm', requestId: 'r' } });
      const error = errorFromResponse(ERROR_CODES[code], body, null, 0);
      expect(error.serverCode).toBe(code);
      expect(error.code).toBe(CODE_CLASSES[code]);
    }
    // A code this SDK does not know (a newer server) falls back on the status.
    const unknown = errorFromResponse(
      409,
      JSON.stringify({ error: { code: 'brand_new', message: 'm' } }),
      null,
      0,
    );
    expect(unknown).toMatchObject({ code: 'Conflict', serverCode: undefined });
  });
});
