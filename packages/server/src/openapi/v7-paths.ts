import { isReadOnlyResource } from '../resources/access.js';
import { type FieldDef, REGISTRY, type ResourceDef } from '../resources/model.js';
import { securityFor } from './security.js';

/*
 * The /v7 OData resources are served by one wildcard route per method, so the document's paths for
 * them are generated from the same resource model the OData compiler uses (resources/model.ts): a
 * field added there appears here, with its type, nullability and writability.
 */

type Json = Record<string, unknown>;

const queryParam = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const FILTER = queryParam(
  '$filter',
  "OData filter: comparisons (eq ne gt ge lt le), and/or/not, in, navigation paths, any()/all() lambdas, startswith/endswith/contains/tolower/toupper, nav/$count. Example: `belongs_to__application/slug eq 'admin/thermostats'`.",
);
const READ_PARAMS: Json[] = [
  queryParam('$select', 'Comma-separated field names. Example: `id,uuid,is_online`.'),
  FILTER,
  queryParam(
    '$expand',
    'Navigations to embed, with nested options in parentheses, or `nav/$count`. Example: `owns__device($select=uuid;$filter=is_online eq true),owns__device/$count`.',
  ),
  queryParam('$orderby', 'Comma-separated `field [asc|desc]`. Example: `created_at desc`.'),
  queryParam('$top', 'At most this many rows.', { type: 'integer', minimum: 0 }),
  queryParam('$skip', 'Skip this many rows.', { type: 'integer', minimum: 0 }),
];

/** Every GET of /v7 (HEAD too): a strong ETag and 304 on If-None-Match, except secret-bearing reads. */
const NOT_MODIFIED: Json = {
  '304': {
    description:
      'Not modified: the `If-None-Match` request header named the current `ETag` of this URL (empty body). Every GET and HEAD here sends a strong `ETag` with `Cache-Control: private, no-cache`, except reads of `*_variable` (`no-store`); see docs/caching.md.',
  },
};

function fieldSchema(name: string, field: FieldDef): Json {
  let schema: Json;
  switch (field.type) {
    case 'id':
    case 'integer':
      schema = { type: 'integer' };
      break;
    case 'fk':
      schema = {
        description: `Reference to ${field.references ?? 'another resource'}: \`{"__id": n}\` on reads, the row(s) when expanded; an integer id on writes.`,
        oneOf: [
          { type: 'integer' },
          { type: 'object', properties: { __id: { type: 'integer' } }, required: ['__id'] },
          { type: 'array', items: { type: 'object' } },
        ],
      };
      break;
    case 'boolean':
      schema = { type: 'boolean' };
      break;
    case 'datetime':
      schema = { type: 'string', format: 'date-time' };
      break;
    case 'json':
      schema = { description: 'JSON value' };
      break;
    default:
      schema = { type: 'string', ...(field.maxLength === undefined ? {} : { maxLength: field.maxLength }) };
  }
  if (field.computed) schema.readOnly = true;
  if (field.nullable && typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  if (field.nullable && schema.oneOf) (schema.oneOf as Json[]).push({ type: 'null' });
  return name === 'id' ? { ...schema, readOnly: true } : schema;
}

/** Component schemas for every resource: the row, and the bodies of POST, PATCH and PUT. */
export function v7Schemas(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const def of Object.values(REGISTRY)) {
    const entries = Object.entries(def.fields);
    out[`v7.${def.name}`] = {
      type: 'object',
      description: `A \`${def.name}\` row (balena v7). Navigations: ${Object.keys(def.navigations).join(', ') || 'none'}.`,
      properties: Object.fromEntries(entries.map(([name, field]) => [name, fieldSchema(name, field)])),
    };
    const creatable = entries.filter(([, f]) => f.create);
    if (creatable.length > 0) {
      out[`v7.${def.name}.create`] = {
        type: 'object',
        properties: Object.fromEntries(creatable.map(([name, f]) => [name, writeSchema(name, f)])),
        required: creatable.filter(([, f]) => f.required).map(([name]) => name),
      };
    }
    const updatable = entries.filter(([, f]) => f.update);
    if (updatable.length > 0) {
      out[`v7.${def.name}.update`] = {
        type: 'object',
        minProperties: 1,
        properties: Object.fromEntries(updatable.map(([name, f]) => [name, writeSchema(name, f)])),
      };
      // PUT (docs/odata-writes.md): the whole entity; what it leaves out goes back to its default.
      out[`v7.${def.name}.replace`] = {
        type: 'object',
        description: 'The whole entity: a field left out becomes null (false for flags), or is required.',
        properties: Object.fromEntries(updatable.map(([name, f]) => [name, writeSchema(name, f)])),
        required: updatable.filter(([, f]) => !f.nullable && f.type !== 'boolean').map(([name]) => name),
      };
    }
  }
  return out;
}

function writeSchema(name: string, field: FieldDef): Json {
  if (field.type === 'fk') return { type: field.nullable ? ['integer', 'null'] : 'integer', minimum: 1 };
  const { readOnly: _ignored, ...schema } = fieldSchema(name, field);
  return schema;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const list = (def: ResourceDef): Json =>
  json(
    { type: 'object', required: ['d'], properties: { d: { type: 'array', items: ref(`v7.${def.name}`) } } },
    'The rows the caller may read (`d`), possibly none.',
  );
const ERRORS = {
  '400': { $ref: '#/components/responses/BalenaBadRequest' },
  '401': { $ref: '#/components/responses/BalenaUnauthorized' },
  '403': { $ref: '#/components/responses/BalenaForbidden' },
  '429': { $ref: '#/components/responses/RateLimited' },
};

/** The generated `/v7/…` paths: collection, key paths (`(1)`, alternate keys), and `/$count`. */
export function v7Paths(): Record<string, Json> {
  const security = securityFor('public');
  const paths: Record<string, Json> = {};
  for (const def of Object.values(REGISTRY)) {
    const tags = [`v7/${def.name}`];
    // Variables carry secrets: their reads are never tagged or stored (odata/read-tags.ts).
    const tagged = !def.name.endsWith('_variable');
    const op = (id: string, summary: string, extra: Json): Json => ({
      operationId: `v7.${def.name}.${id}`,
      summary,
      tags,
      security,
      'x-mooring-access': 'public at the HTTP level; rows are filtered by the permission module',
      ...extra,
      responses: {
        ...(extra.responses as Json),
        ...(tagged && (id.startsWith('get') || id === 'list' || id === 'count') ? NOT_MODIFIED : {}),
        ...ERRORS,
      },
    });
    const creatable =
      Object.values(def.fields).some((f) => f.create) && !isReadOnlyResource(def.name, 'create');
    const updatable =
      Object.values(def.fields).some((f) => f.update) && !isReadOnlyResource(def.name, 'update');
    const deletable = !isReadOnlyResource(def.name, 'delete') && (creatable || updatable);
    const body = (kind: 'create' | 'update' | 'replace'): Json => ({
      required: true,
      content: { 'application/json': { schema: ref(`v7.${def.name}.${kind}`) } },
    });
    const done = { '200': { description: 'Done (empty body), also when nothing matched.' } };

    const collection: Json = {
      get: op('list', `List ${def.name} rows`, { parameters: READ_PARAMS, responses: { '200': list(def) } }),
    };
    if (creatable) {
      collection.post = op('create', `Create a ${def.name}`, {
        requestBody: body('create'),
        responses: {
          '201': json(ref(`v7.${def.name}`), 'The created row; `Location` names it.'),
          '409': { $ref: '#/components/responses/BalenaConflict' },
        },
      });
    }
    if (updatable)
      collection.patch = op('updateWhere', `Update the ${def.name} rows a filter selects`, {
        parameters: [FILTER],
        requestBody: body('update'),
        responses: done,
      });
    if (deletable)
      collection.delete = op('deleteWhere', `Delete the ${def.name} rows a filter selects`, {
        parameters: [FILTER],
        responses: done,
      });
    paths[`/v7/${def.name}`] = collection;

    const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
    const byId: Json = {
      get: op('get', `Get one ${def.name} by id`, {
        parameters: [idParam, ...READ_PARAMS.filter((p) => p.name !== '$filter')],
        responses: { '200': list(def) },
      }),
    };
    if (updatable)
      byId.patch = op('update', `Update one ${def.name}`, {
        parameters: [idParam],
        requestBody: body('update'),
        responses: done,
      });
    // balena's PUT needs the create and the update right (pinejs permissions.ts `methodPermissions`).
    if (creatable && updatable)
      byId.put = op('replace', `Replace one ${def.name}`, {
        description:
          'Sets every field a PATCH could change: those the body leaves out go back to their default. ' +
          'Never creates a row: an unknown or unreadable key is 404. No query options.',
        parameters: [idParam],
        requestBody: body('replace'),
        responses: {
          '200': { description: 'Replaced (empty body).' },
          '404': { $ref: '#/components/responses/BalenaNotFound' },
          '409': { $ref: '#/components/responses/BalenaConflict' },
        },
      });
    if (deletable)
      byId.delete = op('delete', `Delete one ${def.name}`, { parameters: [idParam], responses: done });
    paths[`/v7/${def.name}({id})`] = byId;

    for (const key of def.alternateKeys.filter((k) => k !== 'id')) {
      paths[`/v7/${def.name}(${key}='{${key}}')`] = {
        get: op(`getBy.${key}`, `Get one ${def.name} by ${key}`, {
          parameters: [
            {
              name: key,
              in: 'path',
              required: true,
              description: "Quote `'` as `''`.",
              schema: { type: 'string' },
            },
            ...READ_PARAMS.filter((p) => p.name !== '$filter'),
          ],
          responses: { '200': list(def) },
        }),
      };
    }
    paths[`/v7/${def.name}/$count`] = {
      get: op('count', `Count ${def.name} rows`, {
        parameters: [FILTER],
        responses: {
          '200': json(
            { type: 'object', required: ['d'], properties: { d: { type: 'integer', minimum: 0 } } },
            'The number of readable rows that match.',
          ),
        },
      }),
    };
  }
  return paths;
}
