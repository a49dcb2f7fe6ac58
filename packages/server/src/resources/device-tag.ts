import { audited, fk, invalid, requiredText } from './fields.js';
import type { ResourceDef, Values } from './types.js';
import { deviceChildAccess, validatingHooks } from './variables.js';

/** A tag key names the tag in the dashboard and CLI: it must show as something. */
function validateTag(values: Readonly<Values>): void {
  if (values.tag_key !== undefined && (typeof values.tag_key !== 'string' || values.tag_key.trim() === '')) {
    throw invalid('A tag key cannot be empty');
  }
}

/** Device tags: they hang off devices like device variables and follow the same rules. */
export const deviceTag: ResourceDef = {
  name: 'device_tag',
  table: 'device_tag',
  fields: {
    ...audited,
    device: fk('device', 'device', { create: true, required: true }),
    tag_key: requiredText('tag_key', 255),
    value: requiredText('value', 1_000_000),
  },
  navigations: { device: { kind: 'one', target: 'device', localField: 'device' } },
  alternateKeys: ['id'],
  uniques: [['device', 'tag_key']],
  access: deviceChildAccess(),
  hooks: validatingHooks(validateTag),
};
