import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// In `vite dev`, API calls go to a Mooring server on :8080 (same paths as production, where the
// server itself serves this build at /).
const API_PREFIXES = [
  '/v7',
  '/api-key',
  '/device',
  '/mooring',
  '/actor',
  '/user',
  '/login_',
  '/whoami',
  '/ping',
];

/**
 * Writes `.br` and `.gz` next to each text file of the build: the server sends them to browsers that
 * accept them (@fastify/static `preCompressed`), so no CPU is spent compressing per request.
 */
function precompress(): Plugin {
  return {
    name: 'mooring-precompress',
    apply: 'build',
    writeBundle(options, bundle): void {
      const dir = options.dir ?? here('dist');
      const names = [...Object.keys(bundle), 'favicon.svg'].filter((name) =>
        /\.(js|css|html|svg)$/.test(name),
      );
      for (const name of names) {
        const path = join(dir, name);
        let data: Buffer;
        try {
          data = readFileSync(path);
        } catch {
          continue; // a public/ file that this build does not have
        }
        if (data.length < 1024) continue;
        writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default defineConfig({
  root: here('.'),
  plugins: [react(), precompress()],
  resolve: {
    alias: {
      // The SDK and protocol are consumed from source, like the tests do.
      '@mooring/sdk': here('../sdk/src/index.ts'),
      '@mooring/protocol/contract': here('../protocol/src/contract/index.ts'),
      '@mooring/protocol': here('../protocol/src/index.ts'),
    },
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs, so the server's strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, 'http://127.0.0.1:8080'])),
  },
});
