/**
 * The server's layer rule (ARCHITECTURE.md "Layers"), checked by `npm run lint:layers` (part of
 * `npm run lint`) and by packages/server/test/layers/layers.test.ts. Why dependency-cruiser rather
 * than Biome's restricted imports: docs/dependencies.md.
 *
 * Every top-level folder of packages/server/src (and each root file) lists what it may import
 * besides itself; an import that no list allows fails. The lists form a graph without cycles, so
 * layers only point down and no two folders can import each other, directly or round a loop.
 * Known violations left by work in progress are listed in .dependency-cruiser-known-violations.json
 * (`depcruise … --output-type baseline --output-to <file>`, then `biome format --write <file>`);
 * the lint passes `--ignore-known` with it.
 */

/** Imported by everything above: settings, the database, the one error type, the service context. */
const BASE = ['config', 'db', 'errors', 'context.ts'];

/** Each folder or root file → what it may import (besides its own files). Bottom first. */
const ALLOWED = {
  // The base layer.
  config: [],
  db: ['config', 'errors'],
  errors: [],
  'context.ts': ['config', 'db'],
  storage: ['config', 'db'],
  // auth: a leaf owning Principal, access enforcement and the credential-verifier interface.
  auth: [...BASE],
  // HTTP plumbing every routes file uses: route config, error handler, logging, hardening.
  http: [...BASE, 'auth'],
  // Below the features: the audit trail, the signature profile, the row predicates.
  audit: [...BASE, 'auth'],
  signatures: [...BASE, 'auth'],
  permissions: [...BASE, 'auth'],
  // Features, each above the ones it uses.
  users: [...BASE, 'auth', 'http', 'audit'],
  events: [...BASE, 'auth', 'http', 'audit', 'permissions'],
  // The /v7 resource declarations and the rule that evaluates them (resources/access.ts); hooks that
  // need a feature above (the api_key expiry policy) get it injected by app.ts.
  resources: [...BASE, 'auth', 'audit', 'permissions', 'events'],
  'api-keys': [...BASE, 'auth', 'http', 'audit', 'permissions', 'signatures', 'resources'],
  odata: [...BASE, 'auth', 'http', 'audit', 'permissions', 'api-keys', 'events', 'resources'],
  organizations: [...BASE, 'auth', 'http', 'audit', 'permissions', 'users'],
  sessions: [...BASE, 'auth', 'http', 'audit', 'permissions', 'users', 'api-keys'],
  devices: [...BASE, 'auth', 'http', 'audit', 'permissions', 'api-keys', 'events', 'resources'],
  webhooks: [...BASE, 'auth', 'http', 'audit', 'permissions', 'signatures', 'events', 'odata'],
  admin: [...BASE, 'auth', 'http', 'users', 'organizations'],
  // HTTP wiring on top.
  openapi: [...BASE, 'auth', 'http', 'permissions', 'resources'],
  ops: [...BASE, 'auth', 'http', 'events', 'devices'],
  dashboard: [...BASE, 'auth', 'http'],
};

/** Root files that wire everything: they may import any module of the server. */
const TOP = ['app.ts', 'main.ts', 'bootstrap.ts'];

const SRC = '^packages/server/src/';
const literal = (name) => name.replace(/[.]/g, '\\.');
/** A folder matches its files (any depth); a root file matches itself. */
const pattern = (name) => (name.endsWith('.ts') ? `${literal(name)}$` : `${literal(name)}/`);
const anyOf = (names) => `${SRC}(${names.map(pattern).join('|')})`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  allowedSeverity: 'error',
  allowed: [
    ...Object.entries(ALLOWED).map(([name, may]) => ({
      from: { path: anyOf([name]) },
      to: { path: anyOf([name, ...may]) },
    })),
    { from: { path: anyOf(TOP) }, to: { path: SRC } },
  ],
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module cycle; at folder level the allowed lists above already make one impossible.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'migrations-frozen',
      severity: 'error',
      comment: 'Migrations never import application code (ARCHITECTURE.md "A migration").',
      from: { path: `${SRC}db/migrations/` },
      to: { path: SRC, pathNot: `${SRC}db/migrations/` },
    },
  ],
  options: {
    includeOnly: SRC,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
