import { apiKey } from './api-key.js';
import { application } from './application.js';
import { device } from './device.js';
import { deviceTag } from './device-tag.js';
import { cpuArchitecture, deviceType, deviceTypeAlias } from './device-type.js';
import { organization } from './organization.js';
import { organizationMembership } from './organization-membership.js';
import type { ResourceDef } from './types.js';
import { user } from './user.js';
import {
  applicationConfigVariable,
  applicationEnvironmentVariable,
  deviceConfigVariable,
  deviceEnvironmentVariable,
} from './variables.js';

export type { AccessRules, FieldDef, FieldType, NavigationDef, ResourceDef, WriteHooks } from './types.js';

/**
 * Every `/v7` resource (COMPAT.md A5–A8), each declared in its own file with its fields, navigations,
 * permission rules and write hooks. To add one: a file beside these, one line here (ARCHITECTURE.md
 * "Where to add").
 */
export const REGISTRY: Readonly<Record<string, ResourceDef>> = Object.fromEntries(
  [
    organization,
    organizationMembership,
    user,
    application,
    cpuArchitecture,
    deviceType,
    deviceTypeAlias,
    device,
    applicationEnvironmentVariable,
    applicationConfigVariable,
    deviceEnvironmentVariable,
    deviceConfigVariable,
    deviceTag,
    apiKey,
  ].map((def) => [def.name, def]),
);

/** A Map, not an object lookup: request text such as `__proto__` can never reach a prototype. */
const BY_NAME: ReadonlyMap<string, ResourceDef> = new Map(Object.entries(REGISTRY));

export function resourceDef(name: string): ResourceDef | undefined {
  return BY_NAME.get(name);
}
