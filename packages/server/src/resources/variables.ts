import { sql } from '../db/sql/fragment.js';
import {
  applicationId,
  deviceId,
  MY_APPS,
  MY_DEVICES,
  type Predicate,
  col as ref,
  within,
} from '../permissions/permissions.js';
import { audited, fk, invalid, requiredText } from './fields.js';
import type { AccessRules, ResourceDef, Values, WriteHooks } from './types.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV = /^(RESIN|BALENA|USER)$|^(RESIN_|BALENA_)/;
const CONFIG_PREFIX = /^(RESIN|BALENA)_/;

type Kind = 'environment' | 'config';

function validateVariable(kind: Kind, values: Readonly<Values>): void {
  const name = values.name;
  if (name !== undefined) {
    if (typeof name !== 'string' || !VAR_NAME.test(name)) {
      throw invalid(
        'Variable names must start with a letter or "_" and contain only letters, digits and "_"',
      );
    }
    if (kind === 'config' && !CONFIG_PREFIX.test(name))
      throw invalid('Configuration variable names must start with BALENA_ or RESIN_');
    if (kind !== 'config' && RESERVED_ENV.test(name)) throw invalid(`"${name}" is a reserved variable name`);
  }
  if (typeof values.value === 'string' && /[\r\n]/.test(values.value) && kind === 'config') {
    throw invalid('Configuration values may not contain line breaks');
  }
}

/**
 * Access to rows that hang off a device in the `env` area (its variables and tags): members through
 * the device, a device key on its own device for every action, fleet-limited keys within their fleets.
 */
export function deviceChildAccess(): AccessRules {
  const own: Predicate = (a) => sql`${ref(a, 'device')} = ${deviceId}`;
  return {
    member: (a, form) => within(ref(a, 'device'), MY_DEVICES, form),
    device: { read: own, create: own, update: own, delete: own },
    area: 'env',
    inFleets: (a, form, fleets) => within(ref(a, 'device'), fleets.devices, form),
    createParent: { field: 'device', resource: 'device', action: 'update' },
  };
}

/** Write hooks that only check the written values, on insert and on update. */
export function validatingHooks(validate: (values: Readonly<Values>) => void): WriteHooks {
  return {
    prepareInsert(_trx, values) {
      validate(values);
      return {};
    },
    validateUpdate: validate,
  };
}

/**
 * Environment and configuration variables of fleets and devices (COMPAT.md A6): they hang off their
 * parent and follow its rules; a device key reads its fleet's and manages its own.
 */
function variableResource(parent: 'application' | 'device', kind: Kind): ResourceDef {
  const name = `${parent}_${kind}_variable`;
  const validate = (values: Readonly<Values>): void => validateVariable(kind, values);
  return {
    name,
    table: name as ResourceDef['table'],
    fields: {
      ...audited,
      [parent]: fk(parent, parent, { create: true, required: true }),
      name: requiredText('name', 255),
      value: requiredText('value', 1_000_000),
    },
    navigations: { [parent]: { kind: 'one', target: parent, localField: parent } },
    alternateKeys: ['id'],
    uniques: [[parent, 'name']],
    access:
      parent === 'application'
        ? {
            member: (a, form) => within(ref(a, 'application'), MY_APPS, form),
            device: { read: (a) => sql`${ref(a, 'application')} = ${applicationId}` },
            area: 'env',
            inFleets: (a, _form, fleets) => sql`${ref(a, 'application')} IN ${fleets.list()}`,
            createParent: { field: 'application', resource: 'application', action: 'update' },
          }
        : deviceChildAccess(),
    hooks: validatingHooks(validate),
  };
}

export const applicationEnvironmentVariable = variableResource('application', 'environment');
export const applicationConfigVariable = variableResource('application', 'config');
export const deviceEnvironmentVariable = variableResource('device', 'environment');
export const deviceConfigVariable = variableResource('device', 'config');
