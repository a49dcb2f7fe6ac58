import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      // Tests run against the sources; the build uses the compiled packages.
      // Subpaths before their package: the first matching alias wins.
      '@mooring/protocol/contract': fileURLToPath(
        new URL('./packages/protocol/src/contract/index.ts', import.meta.url),
      ),
      '@mooring/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
      '@mooring/sdk/node': fileURLToPath(new URL('./packages/sdk/src/node.ts', import.meta.url)),
      '@mooring/sdk': fileURLToPath(new URL('./packages/sdk/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Collects log lines and secrets per run; after all files, fails the run if a secret was logged.
    globalSetup: ['packages/server/test/support/global-setup.ts'],
  },
});
