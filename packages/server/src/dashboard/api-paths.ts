/**
 * First path segments that belong to the API. The dashboard's fallback must never answer for them, so
 * that a mistyped API URL gets the API's 404 rather than a 200 with the dashboard's HTML.
 * Client routes use other words (`/devices`, not `/device`; `/keys`, not `/api-key`).
 */
const API_SEGMENTS: ReadonlySet<string> = new Set([
  'v7',
  'api-key',
  'device',
  'mooring',
  'actor',
  'user',
  'login_',
  'whoami',
  'ping',
  'openapi.json',
  'docs',
  'metrics',
  // Health probes: /healthz and /readyz are routes; the other usual spellings get the API's 404,
  // never the dashboard's HTML with a 200 a probe would take for "healthy".
  'healthz',
  'readyz',
  'health',
  'ready',
  'livez',
]);

export function isApiPath(path: string): boolean {
  const first = path.replace(/^\/+/, '').split('/')[0] ?? '';
  return API_SEGMENTS.has(first.toLowerCase());
}
