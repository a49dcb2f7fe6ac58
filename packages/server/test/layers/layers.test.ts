import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * The layer rule (ARCHITECTURE.md "Layers", .dependency-cruiser.cjs): the cruiser runs over
 * packages/server/src with type-only imports included; every violation must be a known one (the
 * baseline file), and the folders must import each other without a cycle.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SRC = 'packages/server/src/';
const BASELINE = '.dependency-cruiser-known-violations.json';

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

interface Cruise {
  readonly modules: readonly {
    readonly source: string;
    readonly dependencies: readonly { readonly resolved: string }[];
  }[];
  readonly summary: { readonly violations: readonly Violation[]; readonly totalCruised: number };
}

/** A module's top-level folder under src, or the root file itself (`app.ts`, `context.ts`…). */
function folderOf(source: string): string {
  const rest = source.slice(SRC.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(0, slash);
}

/** Strongly connected components with more than one node (Tarjan): the cycles of a directed graph. */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const key = (v: Violation): string => `${v.rule.name} ${v.from} → ${v.to}`;

/** Violations recorded by `depcruise --output-type baseline` while other work is under way. */
function knownViolations(): Violation[] {
  if (!existsSync(`${ROOT}${BASELINE}`)) return [];
  return JSON.parse(readFileSync(`${ROOT}${BASELINE}`, 'utf8')) as Violation[];
}

describe('layers', () => {
  let cruise: Cruise;
  const known = knownViolations();
  beforeAll(async () => {
    const bin = `${ROOT}node_modules/dependency-cruiser/bin/dependency-cruise.mjs`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, SRC, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
    );
    cruise = JSON.parse(stdout) as Cruise;
  }, 150_000);

  it('cruises the whole server, type-only imports included', () => {
    const sources = new Set(cruise.modules.map((m) => m.source));
    // Every source file is cruised: a config that silently matched nothing would pass everything.
    const files = readdirSync(`${ROOT}${SRC}`, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) expect(sources, file).toContain(`${SRC}${file.split('\\').join('/')}`);
    // A type-only import (http/route-config.ts uses RouteAccess only as a type) is an edge too.
    const routeConfig = cruise.modules.find((m) => m.source === `${SRC}http/route-config.ts`);
    expect(routeConfig?.dependencies.map((d) => d.resolved)).toContain(`${SRC}auth/access.ts`);
  });

  it('finds no violation beyond the known ones', () => {
    const knownKeys = new Set(known.map(key));
    const unknown = cruise.summary.violations.map(key).filter((v) => !knownKeys.has(v));
    expect(unknown).toEqual([]);
  });

  it('has no cycle between the folders of packages/server/src', () => {
    const graph = new Map<string, Set<string>>();
    let edges = 0;
    for (const module of cruise.modules) {
      if (!module.source.startsWith(SRC)) continue;
      const from = folderOf(module.source);
      const targets = graph.get(from) ?? new Set<string>();
      graph.set(from, targets);
      for (const dependency of module.dependencies) {
        if (!dependency.resolved.startsWith(SRC)) continue;
        const to = folderOf(dependency.resolved);
        if (to === from) continue;
        targets.add(to);
        edges++;
      }
    }
    expect(edges).toBeGreaterThan(200);
    // Only an edge made of known violations (the baseline file) is left out; any other cycle fails.
    const knownEdges = new Set(known.map((v) => `${folderOf(v.from)}→${folderOf(v.to)}`));
    for (const [from, targets] of graph) {
      for (const to of targets) if (knownEdges.has(`${from}→${to}`)) targets.delete(to);
    }
    expect(cycles(graph)).toEqual([]);
  });

  it('the cycle finder finds cycles (so the test above can fail)', () => {
    const graph = new Map([
      ['auth', new Set(['db'])],
      ['db', new Set<string>()],
      ['sessions', new Set(['users', 'auth'])],
      ['users', new Set(['sessions'])],
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cycles(graph).sort()).toEqual([
      ['a', 'b', 'c'],
      ['sessions', 'users'],
    ]);
  });
});
