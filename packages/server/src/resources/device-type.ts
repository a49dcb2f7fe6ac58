import { col, fk, id, NEVER_WRITTEN } from './fields.js';
import type { ResourceDef } from './types.js';

/** The device type catalogue (seeded by migrations): readable by anyone, written by no one. */
export const cpuArchitecture: ResourceDef = {
  name: 'cpu_architecture',
  table: 'cpu_architecture',
  fields: { id, slug: col('string', 'slug', { nullable: false }) },
  navigations: {
    is_supported_by__device_type: {
      kind: 'many',
      target: 'device_type',
      remoteField: 'is_of__cpu_architecture',
    },
  },
  alternateKeys: ['id', 'slug'],
  uniques: [['slug']],
  access: { readOnly: NEVER_WRITTEN, publicRead: true },
  hooks: {},
};

export const deviceType: ResourceDef = {
  name: 'device_type',
  table: 'device_type',
  fields: {
    id,
    slug: col('string', 'slug', { nullable: false }),
    name: col('string', 'name', { nullable: false }),
    is_of__cpu_architecture: fk('is_of__cpu_architecture', 'cpu_architecture'),
    logo: col('string', 'logo'),
    contract: col('json', 'contract'),
    belongs_to__device_family: {
      type: 'fk',
      computed: () => 'NULL',
      nullable: true,
      references: 'device_family',
    },
  },
  navigations: {
    is_of__cpu_architecture: {
      kind: 'one',
      target: 'cpu_architecture',
      localField: 'is_of__cpu_architecture',
    },
    device_type_alias: { kind: 'many', target: 'device_type_alias', remoteField: 'device_type' },
    describes__device: { kind: 'many', target: 'device', remoteField: 'is_of__device_type' },
  },
  alternateKeys: ['id', 'slug'],
  uniques: [['slug']],
  access: { readOnly: NEVER_WRITTEN, publicRead: true },
  hooks: {},
};

export const deviceTypeAlias: ResourceDef = {
  name: 'device_type_alias',
  table: 'device_type_alias',
  fields: {
    id,
    device_type: fk('device_type', 'device_type'),
    is_referenced_by__alias: col('string', 'is_referenced_by__alias', { nullable: false }),
  },
  navigations: { device_type: { kind: 'one', target: 'device_type', localField: 'device_type' } },
  alternateKeys: ['id'],
  uniques: [['is_referenced_by__alias']],
  access: { readOnly: NEVER_WRITTEN, publicRead: true },
  hooks: {},
};
