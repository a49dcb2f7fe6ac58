import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
// For the `summary` of route schemas (the OpenAPI document).
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../errors/app-error.js';
import { isApiPath } from './api-paths.js';
import { staticSecurityHeaders } from './security-headers.js';

/**
 * `packages/dashboard/dist`, from both `packages/server/src/dashboard` (tests, tsx) and
 * `packages/server/dist/dashboard` (the compiled server): the same depth below `packages/`.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

// Vite puts content-hashed files under assets/: their name changes with their content, so browsers
// may keep them forever. Everything else (index.html above all) must be revalidated so that a new
// release is picked up on the next load.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Serves the dashboard's production build at `/`, with a single-page-app fallback: a client route such
 * as `/fleets/3` answers index.html. The fallback never answers for an API path (those keep their own
 * 404), nor for a missing file (a missing script must not come back as HTML).
 * Registered last, so every API route is more specific than its wildcard.
 */
export async function registerDashboard(
  app: FastifyInstance,
  ctx: AppContext,
  root: string = DEFAULT_DASHBOARD_DIR,
): Promise<void> {
  const files = indexFiles(root);
  if (!files.has('index.html')) {
    ctx.log.warn(
      { dashboardDir: root },
      'dashboard is not built: the API works, but / has no web interface; run `npm run build` to build it',
    );
  }
  // serve: false: only reply.sendFile (path checks, ETag, ranges); routing stays ours.
  // preCompressed: the build writes .br/.gz copies, sent to browsers that accept them.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  const send = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(path)) {
      reply.callNotFound();
      return reply;
    }
    const file = fileFor(path, files);
    if (file === undefined) {
      if (!files.has('index.html') && !looksLikeFile(path)) {
        throw new AppError('not_found', 'The dashboard is not built: run `npm run build` on the server');
      }
      reply.callNotFound();
      return reply;
    }
    reply.headers(staticSecurityHeaders());
    reply.header('cache-control', file.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
    // The body depends on Accept-Encoding (precompressed copies): caches must key on it.
    reply.header('vary', 'accept-encoding');
    return reply.sendFile(file, { cacheControl: false });
  };

  app.get(
    '/*',
    {
      config: { access: 'public', wire: 'mooring' },
      schema: { summary: 'The web dashboard (single-page app) and its static files' },
    },
    send,
  );
}

/** The file to send for a URL path: an exact file of the build, else index.html for client routes. */
function fileFor(path: string, files: ReadonlySet<string>): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const name = decoded.replace(/^\/+/, '');
  if (name === '') return files.has('index.html') ? 'index.html' : undefined;
  if (files.has(name)) return name;
  if (looksLikeFile(decoded)) return undefined;
  return files.has('index.html') ? 'index.html' : undefined;
}

/** `/assets/x.js`, `/favicon.ico`: a request for a file, never a client route. */
function looksLikeFile(path: string): boolean {
  const last = path.split('/').pop() ?? '';
  return last.includes('.');
}

/**
 * Every file of the build, relative to root, with `/` separators. Only these exact names are ever
 * served, so no URL can reach outside the build folder. Read once at start: the build does not change
 * under a running server (rebuild, then restart).
 */
function indexFiles(root: string): Set<string> {
  const files = new Set<string>();
  if (!existsSync(root) || !statSync(root).isDirectory()) return files;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      // Precompressed copies are chosen by Accept-Encoding, never requested by name.
      else if (entry.isFile() && !/\.(br|gz)$/.test(entry.name)) {
        files.add(relative(root, full).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return files;
}
