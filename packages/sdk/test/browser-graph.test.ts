import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const workspace: Record<string, string> = {
  '@mooring/protocol': resolve(here, '../../protocol/src/index.ts'),
};
const NODE_BUILTINS = new Set(builtinModules);
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module reachable from `entry` by static or dynamic imports, with what each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    // `import type` / `export type` are erased from the emitted code: not part of the run-time graph
    // (this is how the SDK uses the contract's types without loading typebox in a browser).
    const specifiers = [...source.matchAll(IMPORT)]
      .filter((m) => !/^[\s;]*(?:import|export)\s+type\s/.test(m[0]))
      .map((m) => (m[1] ?? m[2]) as string);
    graph.set(file, specifiers);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) {
        const target = join(dirname(file), spec).replace(/\.js$/, '.ts');
        if (!existsSync(target)) throw new Error(`${file} imports missing ${spec}`);
        pending.push(target);
      } else if (workspace[spec]) pending.push(workspace[spec]);
    }
  }
  return graph;
}

describe('browser path of @mooring/sdk', () => {
  const graph = importGraph(resolve(here, '../src/index.ts'));

  it('reaches the SDK and protocol modules (the walker follows imports)', () => {
    const files = [...graph.keys()].map((f) => f.replace(/.*packages\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'sdk/src/client.ts',
        'sdk/src/resources/keys.ts',
        'protocol/src/signatures/profile.ts',
      ]),
    );
    expect(files).not.toContain('sdk/src/node.ts');
  });

  it('imports no Node built-in and no package other than @mooring/protocol', () => {
    const offending: string[] = [];
    for (const [file, specifiers] of graph) {
      for (const spec of specifiers) {
        const bare = !spec.startsWith('.');
        if (spec.startsWith('node:') || NODE_BUILTINS.has(spec) || (bare && !workspace[spec]))
          offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('uses the wire contract for types only, so typebox is not loaded at run time', () => {
    const sdkSources = [...graph.keys()].filter((f) => f.includes('/sdk/src/'));
    const typeImports = sdkSources.filter((f) =>
      /import type [^;]*from '@mooring\/protocol\/contract'/.test(readFileSync(f, 'utf8')),
    );
    expect(typeImports.length).toBeGreaterThan(0);
    expect([...graph.values()].flat()).not.toContain('@mooring/protocol/contract');
  });

  it('uses no Node-only globals (Buffer, process, require)', () => {
    const offending = [...graph.keys()].filter((file) =>
      /\b(Buffer|process|require|__dirname)\b/.test(
        readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''),
      ),
    );
    expect(offending).toEqual([]);
  });

  it('the node entry is where node: imports live', () => {
    const node = importGraph(resolve(here, '../src/node.ts'));
    expect([...node.values()].flat()).toContain('node:fs/promises');
  });
});
