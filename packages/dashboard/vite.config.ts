import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

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

export default defineConfig({
  root: here('.'),
  plugins: [react()],
  resolve: {
    alias: {
      // The SDK and protocol are consumed from source, like the tests do.
      '@mooring/sdk': here('../sdk/src/index.ts'),
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
