import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackedClients, packClients } from '../../../scripts/pack.js';
import { buildCli } from '../../cli/test/support/build.js';
import { ROOT, type ServerProcess, startServerProcess } from '../../server/test/support/server-process.js';

const run = promisify(execFile);
const PASSWORD = 'packed-tarball-smoke-password';

/**
 * Issue 23: the SDK and the CLI install from their packed tarballs in an empty directory, outside the
 * workspace, with an empty npm cache and `--offline` (so nothing can come from a registry), and work
 * against a real server process.
 */
describe('packed @mooring/sdk and @mooring/cli', () => {
  let dir: string;
  let app: string;
  let packed: PackedClients;
  let server: ServerProcess;
  const env = (): NodeJS.ProcessEnv => ({
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: dir,
    NO_COLOR: '1',
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mooring-pack-test-'));
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "smoke", "private": true, "type": "module" }\n');
    const serverStarting = startServerProcess({
      MOORING_DATA_DIR: join(dir, 'data'),
      MOORING_ADMIN_PASSWORD: PASSWORD,
    });
    const build = await buildCli();
    expect(build.code, build.output).toBe(0);
    packed = packClients({ outDir: join(dir, 'tarballs'), build: false });
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--cache',
        join(dir, 'empty-npm-cache'),
        packed.sdk,
        packed.cli,
      ],
      { cwd: app, env: env() },
    );
    server = await serverStarting;
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships built code, types and the bundled packages, and no sources, maps or private flag', () => {
    const versions = ['protocol', 'sdk', 'cli'].map(
      (name) =>
        (
          JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version,
    );
    expect(new Set(versions).size).toBe(1);
    const installed = (path: string): Record<string, unknown> =>
      JSON.parse(readFileSync(join(app, 'node_modules', path, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    const sdk = installed('@mooring/sdk');
    expect(sdk).toMatchObject({ version: versions[0], bundleDependencies: ['@mooring/protocol'] });
    expect(sdk).not.toHaveProperty('private');
    expect(sdk).not.toHaveProperty('devDependencies');
    expect(installed('@mooring/sdk/node_modules/@mooring/protocol')).toMatchObject({ version: versions[0] });
    expect(installed('@mooring/cli')).toMatchObject({ bundleDependencies: ['@mooring/sdk', 'commander'] });
    const listing = readFileSync(join(app, 'package-lock.json'), 'utf8');
    expect(listing).toContain('node_modules/@mooring/sdk/node_modules/@mooring/protocol');
    expect(listing).not.toMatch(/"resolved": "https?:/); // nothing from a registry
  });

  it('the SDK logs in, creates and lists fleets, and creates a key (Node, ESM)', async () => {
    writeFileSync(
      join(app, 'smoke.mjs'),
      `import { MooringClient, MooringError } from '@mooring/sdk';
import { FileTokenStore } from '@mooring/sdk/node';
const client = new MooringClient({ apiUrl: process.env.MOORING_URL, tokenStore: new FileTokenStore('./token') });
await client.auth.login('admin', process.env.MOORING_ADMIN_PASSWORD);
await client.fleets.create({ name: 'packed', deviceType: 'raspberrypi4-64', organization: 'admin' });
const fleets = await client.fleets.list();
const { key } = await client.keys.create({ name: 'packed-smoke', expiryDate: null, scopes: ['read'] });
const refused = await new MooringClient({ apiUrl: process.env.MOORING_URL, apiKey: 'mk_u_nonsense' }).fleets.list().catch((e) => e);
console.log(JSON.stringify({ fleets: fleets.map((f) => f.slug), key, refused: refused instanceof MooringError ? refused.code : String(refused) }));
`,
    );
    const { stdout } = await run(process.execPath, ['smoke.mjs'], {
      cwd: app,
      env: { ...env(), MOORING_URL: server.url, MOORING_ADMIN_PASSWORD: PASSWORD },
    });
    const result = JSON.parse(stdout) as { fleets: string[]; key: string; refused: string };
    expect(result.fleets).toContain('admin/packed');
    expect(result.key).toMatch(/^mk_u_/);
    expect(result.refused).toBe('Unauthorized');

    // The CLI, with that key: help, one real command, and a clear refusal for the server-side commands.
    const cli = join(app, 'node_modules/.bin/mooring');
    const help = await run(cli, ['--help'], { cwd: app, env: env() });
    expect(help.stdout).toContain('Usage: mooring');
    const list = await run(cli, ['fleet', 'list', '--json', '--api-url', server.url], {
      cwd: app,
      env: { ...env(), MOORING_API_KEY: result.key },
    });
    expect((JSON.parse(list.stdout) as { slug: string }[]).map((f) => f.slug)).toContain('admin/packed');
    const serve = await run(cli, ['serve'], { cwd: app, env: env() }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(serve).toMatchObject({ code: 2, stderr: expect.stringContaining('needs the Mooring server') });
  });

  // skipLibCheck off: an unresolved import inside the shipped .d.ts files (the bundled protocol's)
  // would otherwise silently become `any`. Browser lib only, so no @types/node is involved.
  it('type-checks against the packed declarations (NodeNext)', async () => {
    writeFileSync(
      join(app, 'typed.ts'),
      `import { MooringClient, MooringError, MemoryTokenStore, type Fleet } from '@mooring/sdk';
const client = new MooringClient({ apiUrl: 'http://127.0.0.1:8080', tokenStore: new MemoryTokenStore() });
export const fleets: Promise<Fleet[]> = client.fleets.list();
export const isError = (e: unknown): boolean => e instanceof MooringError && e.code === 'NotFound';
// @ts-expect-error: the types are real, so a wrong call is an error
client.fleets.list(42, 43, 44);
`,
    );
    // NodeNext is the strict one for an ESM package: `exports`, explicit extensions, `types` conditions.
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const options = ['--strict', '--skipLibCheck', 'false', '--target', 'es2022', '--lib', 'es2023,dom'];
    await run(
      process.execPath,
      [tsc, '--noEmit', ...options, '--module', 'nodenext', '--moduleResolution', 'nodenext', 'typed.ts'],
      { cwd: app, env: env() },
    ).catch((error: { stdout: string }) => {
      throw new Error(`tsc failed on the packed declarations:\n${error.stdout}`);
    });
    // Checking every shipped .d.ts includes typebox's (the contract's types): ~20 s of CPU.
  }, 240_000);

  it('bundles for browsers without any node: module', async () => {
    writeFileSync(
      join(app, 'browser.js'),
      `import { MooringClient, LocalStorageTokenStore } from '@mooring/sdk';
export const client = new MooringClient({ apiUrl: location.origin, tokenStore: new LocalStorageTokenStore() });
`,
    );
    const { stdout } = await run(
      join(ROOT, 'node_modules/.bin/esbuild'),
      ['browser.js', '--bundle', '--platform=browser', '--format=esm'],
      { cwd: app, env: env(), maxBuffer: 10_000_000 },
    );
    expect(stdout).toMatch(/MooringClient = class/);
    expect(stdout).toContain('signRequest'); // the bundled protocol code is in
    expect(stdout).not.toMatch(/from ["']node:/);
  });
});
