/**
 * Packs the installable client packages into tarballs: `@mooring/protocol` (with `typebox` bundled),
 * `@mooring/sdk` (with the protocol bundled) and `@mooring/cli` (with the SDK, the protocol and commander bundled).
 *
 *   npm run pack:clients [-- --out <dir>] [--no-build]
 *
 * Why a script instead of `npm pack -w`: inside a workspace, npm links `@mooring/protocol` into the
 * root `node_modules`, and `npm pack` leaves such hoisted links out of `bundleDependencies`, so the
 * SDK's tarball would depend on a package that is not on any registry. This script copies each
 * package's published files into a staging directory outside the workspace, places the bundled
 * packages in its `node_modules`, and runs `npm pack` there. The result installs with
 * `npm install <tarball>` in an empty directory, with nothing fetched (docs/dependencies.md).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

type PackageJson = Record<string, unknown> & {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
};

export interface PackedClients {
  readonly protocol: string;
  readonly sdk: string;
  readonly cli: string;
}

export interface PackOptions {
  /** Where the tarballs go (created if missing). */
  readonly outDir: string;
  /** Compile protocol, SDK and CLI first (`tsc -b`); default true. */
  readonly build?: boolean;
}

/** Builds (unless told not to) and packs the three client packages; returns the tarball paths. */
export function packClients(options: PackOptions): PackedClients {
  if (options.build !== false) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  mkdirSync(options.outDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'mooring-pack-'));
  try {
    // The contract's schemas are TypeBox values: typebox travels inside the protocol package.
    const protocol = stage('protocol', join(staging, 'protocol'), [
      { name: 'typebox', from: join(ROOT, 'node_modules/typebox') },
    ]);
    const sdk = stage('sdk', join(staging, 'sdk'), [{ name: '@mooring/protocol', from: protocol }]);
    const cli = stage('cli', join(staging, 'cli'), [
      { name: '@mooring/sdk', from: sdk },
      { name: 'commander', from: join(ROOT, 'node_modules/commander') },
    ]);
    return {
      protocol: npmPack(protocol, options.outDir),
      sdk: npmPack(sdk, options.outDir),
      cli: npmPack(cli, options.outDir),
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Copies a workspace package's `files` into `dir` with a package.json fit for a tarball (no scripts,
 * no devDependencies, `bundleDependencies` naming the packages copied into its node_modules).
 */
function stage(workspace: string, dir: string, bundled: readonly { name: string; from: string }[]): string {
  const source = join(ROOT, 'packages', workspace);
  const manifest = readJson(join(source, 'package.json'));
  const files = manifest.files;
  if (!Array.isArray(files)) throw new Error(`packages/${workspace}/package.json has no "files" list`);
  mkdirSync(dir, { recursive: true });
  for (const entry of [...files.map(String), 'README.md']) {
    const from = join(source, entry);
    if (existsSync(from)) cpSync(from, join(dir, entry), { recursive: true, filter: publishable });
  }
  if (!existsSync(join(dir, 'dist'))) throw new Error(`packages/${workspace} is not built (no dist/)`);
  const { scripts: _scripts, devDependencies: _dev, ...published } = manifest;
  for (const dependency of bundled) {
    const version = manifest.dependencies?.[dependency.name];
    if (version === undefined) throw new Error(`${manifest.name} does not depend on ${dependency.name}`);
    cpSync(dependency.from, join(dir, 'node_modules', dependency.name), {
      recursive: true,
      dereference: true,
    });
  }
  if (bundled.length > 0) published.bundleDependencies = bundled.map((dependency) => dependency.name);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  return dir;
}

/** Source maps point at sources that are not shipped; build info is the compiler's own state. */
function publishable(path: string): boolean {
  return !path.endsWith('.map') && !path.endsWith('.tsbuildinfo');
}

function npmPack(dir: string, outDir: string): string {
  const output = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', resolve(outDir)],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [result] = JSON.parse(output) as { filename: string }[];
  if (result === undefined) throw new Error(`npm pack printed nothing in ${dir}`);
  return join(resolve(outDir), result.filename);
}

function readJson(path: string): PackageJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
}

function parseArgs(argv: readonly string[]): PackOptions {
  let outDir = join(ROOT, 'dist-packages');
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') build = false;
    else if (arg === '--out' && argv[i + 1] !== undefined) outDir = resolve(argv[++i] as string);
    else
      throw new Error(`usage: npm run pack:clients [-- --out <dir>] [--no-build] (unknown argument ${arg})`);
  }
  return { outDir, build };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const packed = packClients(parseArgs(process.argv.slice(2)));
  for (const path of Object.values(packed)) process.stdout.write(`${path}\n`);
}
