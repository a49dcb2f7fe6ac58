import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * The rendered reference at /docs: Swagger UI from the installed @fastify/swagger-ui package, served
 * from memory with our own routes (so every route declares its access like the rest of the API) and
 * no CDN, so it works offline. Only the listed files exist; nothing else of the disk is reachable.
 */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const INDEX = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Mooring API reference</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
<link rel="stylesheet" href="/docs/static/index.css">
<link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js"></script>
<script src="/docs/static/initializer.js"></script>
</body>
</html>
`;

// A file, not an inline script, so the page runs under a CSP without 'unsafe-inline' for scripts.
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  validatorUrl: null,
});
`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static');
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, type] of Object.entries(ASSETS))
    files.set(name, { body: readFileSync(join(root, name)), type });
  files.set('initializer.js', {
    body: Buffer.from(INITIALIZER),
    type: 'application/javascript; charset=utf-8',
  });
  return files;
}

export function registerDocsPage(app: FastifyInstance): void {
  let assets: Map<string, { body: Buffer; type: string }> | undefined;
  const config = { access: 'public', wire: 'mooring' } as const;

  app.get(
    '/docs',
    { config, schema: { summary: 'The rendered API reference (Swagger UI, self-hosted)', tags: ['meta'] } },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(INDEX),
  );

  app.get<{ Params: { file: string } }>(
    '/docs/static/:file',
    {
      config,
      schema: {
        summary: 'A static asset of the reference page',
        tags: ['meta'],
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', enum: [...Object.keys(ASSETS), 'initializer.js'] } },
        },
      },
    },
    async (request, reply) => {
      assets ??= loadAssets();
      const asset = assets.get(request.params.file);
      if (!asset) return reply.callNotFound();
      return reply
        .type(asset.type)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'public, max-age=3600')
        .send(asset.body);
    },
  );
}
