import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_fleet_model.js';
import * as m0003 from './0003_device_type_catalogue.js';
import * as m0004 from './0004_devices.js';
import * as m0005 from './0005_signatures.js';
import * as m0006 from './0006_device_tag.js';
import * as m0007 from './0007_credential_invalidation.js';
import * as m0009 from './0009_events.js';
import * as m0010 from './0010_webhooks.js';
import * as m0011 from './0011_api_key_usage.js';
import * as m0012 from './0012_table_version.js';
import * as m0013 from './0013_webhook_claim_order.js';

/**
 * Migrations in order. Names sort lexically; never rename or edit one that has shipped.
 * A migration that creates a table must call `trackTable(db, name)` (support.ts) right after: the
 * ETags of `/v7` reads (docs/caching.md) rely on every table's change counter, and
 * test/odata/collection-etag.test.ts fails for a table without one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_fleet_model': m0002,
  '0003_device_type_catalogue': m0003,
  '0004_devices': m0004,
  '0005_signatures': m0005,
  '0006_device_tag': m0006,
  '0007_credential_invalidation': m0007,
  '0009_events': m0009,
  '0010_webhooks': m0010,
  '0011_api_key_usage': m0011,
  '0012_table_version': m0012,
  '0013_webhook_claim_order': m0013,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
