import { randomBytes, randomInt } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import type { FieldDef, FieldType, WriteAction } from './types.js';

/** Building blocks of the resource declarations (`resources/<name>.ts`). */
export const id: FieldDef = { type: 'id', column: 'id', nullable: false };
export const ts = (column: string, nullable = false): FieldDef => ({ type: 'datetime', column, nullable });
export const col = (type: FieldType, column: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type,
  column,
  nullable: true,
  ...extra,
});
export const fk = (column: string, references: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: 'fk',
  column,
  references,
  nullable: false,
  ...extra,
});
export const audited = { id, created_at: ts('created_at'), modified_at: ts('modified_at') };
/** A string the caller must give on POST and may change on PATCH (names, values, tag keys). */
export const requiredText = (column: string, maxLength: number): FieldDef =>
  col('string', column, { nullable: false, create: true, update: true, required: true, maxLength });
/** A foreign key to a release, which Mooring does not have (always null). */
export const noRelease: FieldDef = {
  type: 'fk',
  computed: () => 'NULL',
  nullable: true,
  references: 'release',
};

/** Resources managed by Mooring endpoints or seeded: `/v7` never writes them. */
export const NEVER_WRITTEN: readonly WriteAction[] = ['create', 'update', 'delete'];

export const invalid = (message: string): AppError => new AppError('validation', message);

const UUID = /^[a-f0-9]{32}([a-f0-9]{30})?$/;

export function newUuid(): string {
  return randomBytes(16).toString('hex');
}

export function validateUuid(uuid: unknown): void {
  if (typeof uuid !== 'string' || !UUID.test(uuid)) {
    throw invalid('uuid must be 32 or 62 lowercase hexadecimal characters');
  }
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
