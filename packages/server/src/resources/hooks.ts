import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { checkKeyUpdate } from '../api-keys/key-updates.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';

/**
 * Resource-specific rules of the write path (COMPAT.md A6–A8): validation beyond types, defaults,
 * derived columns. Each hook gets the already type-checked values and returns the row to store.
 */
type Values = Record<string, unknown>;

const APP_NAME = /^[a-zA-Z0-9_-]{4,100}$/;
const UUID = /^[a-f0-9]{32}([a-f0-9]{30})?$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = /^(RESIN|BALENA|USER)$|^(RESIN_|BALENA_)/;
const CONFIG_PREFIX = /^(RESIN|BALENA)_/;

const invalid = (message: string): AppError => new AppError('validation', message);

export function newUuid(): string {
  return randomBytes(16).toString('hex');
}

const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'dusty',
  'eager',
  'frosty',
  'gentle',
  'hidden',
  'icy',
  'jolly',
  'lively',
  'misty',
  'noble',
  'quiet',
  'rapid',
  'silent',
  'sunny',
  'tidy',
  'vivid',
  'wild',
];
const NOUNS = [
  'anchor',
  'beacon',
  'buoy',
  'cove',
  'current',
  'dock',
  'ferry',
  'harbor',
  'island',
  'jetty',
  'keel',
  'lagoon',
  'mast',
  'pier',
  'reef',
  'sail',
  'shore',
  'tide',
  'wave',
  'wharf',
];

/** A friendly default name such as `quiet-harbor`. */
export function friendlyName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
}

export function validateAppName(name: unknown): void {
  if (typeof name !== 'string' || !APP_NAME.test(name)) {
    throw invalid('Fleet names must be 4–100 characters of letters, digits, "-" or "_"');
  }
}

export function validateUuid(uuid: unknown): void {
  if (typeof uuid !== 'string' || !UUID.test(uuid)) {
    throw invalid('uuid must be 32 or 62 lowercase hexadecimal characters');
  }
}

export function validateVariable(resource: string, values: Values): void {
  const name = values.name;
  if (name !== undefined) {
    if (typeof name !== 'string' || !VAR_NAME.test(name)) {
      throw invalid(
        'Variable names must start with a letter or "_" and contain only letters, digits and "_"',
      );
    }
    const isConfig = resource.endsWith('_config_variable');
    if (isConfig && !CONFIG_PREFIX.test(name))
      throw invalid('Configuration variable names must start with BALENA_ or RESIN_');
    if (!isConfig && RESERVED_ENV.test(name)) throw invalid(`"${name}" is a reserved variable name`);
  }
  if (
    typeof values.value === 'string' &&
    /[\r\n]/.test(values.value) &&
    !resource.endsWith('environment_variable')
  ) {
    throw invalid('Configuration values may not contain line breaks');
  }
}

/** A tag key names the tag in the dashboard and CLI: it must show as something. */
function validateTag(values: Values): void {
  if (values.tag_key !== undefined && (typeof values.tag_key !== 'string' || values.tag_key.trim() === '')) {
    throw invalid('A tag key cannot be empty');
  }
}

/** Fills defaults and derived columns before an insert; runs inside the insert's transaction. */
export async function prepareInsert(
  trx: Kysely<DB>,
  resource: string,
  values: Values,
  now: number,
): Promise<Values> {
  const row: Values = { ...values, created_at: now, modified_at: now };
  switch (resource) {
    case 'application': {
      validateAppName(values.app_name);
      if (values.uuid !== undefined) validateUuid(values.uuid);
      if (
        values.is_of__class !== undefined &&
        !['fleet', 'block', 'app'].includes(String(values.is_of__class))
      ) {
        throw invalid('is_of__class must be fleet, block or app');
      }
      const org = await trx
        .selectFrom('organization')
        .select('handle')
        .where('id', '=', Number(values.organization))
        .executeTakeFirst();
      if (!org) throw invalid('organization does not exist');
      row.uuid = values.uuid ?? newUuid();
      row.slug = `${org.handle}/${String(values.app_name)}`.toLowerCase();
      row.actor = await newActor(trx, now);
      return row;
    }
    case 'device':
      if (values.uuid !== undefined) validateUuid(values.uuid);
      row.uuid = values.uuid ?? newUuid();
      row.device_name = values.device_name ?? friendlyName();
      row.actor = await newActor(trx, now);
      return row;
    case 'device_tag':
      validateTag(values);
      return row;
    default:
      validateVariable(resource, values);
      return row;
  }
}

export function validateUpdate(resource: string, values: Values): void {
  if (resource === 'application' && values.app_name !== undefined) validateAppName(values.app_name);
  if (resource.endsWith('_variable')) validateVariable(resource, values);
  if (resource === 'device_tag') validateTag(values);
  if (resource === 'api_key' && 'name' in values && (values.name === null || values.name === '')) {
    throw invalid('A key name cannot be empty');
  }
}

/**
 * Rules that need the rows being changed and who changes them: every update of /v7 (PATCH, and PUT on
 * an existing row) calls this inside its transaction, after the permission filter chose `ids` and
 * before the UPDATE, so a refusal rolls everything back. api_key: a key never outlives or outranks
 * what it was given (api-keys/key-policy.ts).
 */
export async function beforeUpdate(
  ctx: AppContext,
  trx: Kysely<DB>,
  resource: string,
  ids: readonly number[],
  values: Values,
  principal: Principal | null,
): Promise<void> {
  if (resource === 'api_key') await checkKeyUpdate(ctx, { ...ctx.db, kysely: trx }, ids, values, principal);
}

async function newActor(trx: Kysely<DB>, now: number): Promise<number> {
  const actor = await trx
    .insertInto('actor')
    .values({ created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return actor.id;
}
