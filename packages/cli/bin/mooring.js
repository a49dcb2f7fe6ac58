#!/usr/bin/env node
// The `mooring` command: runs the compiled CLI. Build it first with `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mooring: the CLI is not built; run `npm run build` in the repository first\n');
  process.exit(7);
}
await import(entry.href);
