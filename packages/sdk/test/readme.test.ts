import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdk from '../src/index.js';
import * as sdkNode from '../src/node.js';
import { ADMIN_PASSWORD, type SdkServer, startServer } from './support.js';

const MODULES: Record<string, unknown> = { '@mooring/sdk': sdk, '@mooring/sdk/node': sdkNode };
type Example = (
  modules: Record<string, unknown>,
  process: { env: Record<string, string> },
  console: { log: (...args: unknown[]) => void },
) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => Example;

/** The ```js blocks after a `<!-- sdk-example -->` marker, in order. */
function examples(file: URL): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/<!-- sdk-example[^>]*-->\s*```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Runs a block as the ES module it is written as: its imports resolve to the SDK's sources. */
async function run(code: string, env: Record<string, string>): Promise<string[]> {
  const body = code.replace(/^import \{([^}]+)\} from '([^']+)';$/gm, (_all, names: string, from: string) => {
    if (!(from in MODULES)) throw new Error(`example imports ${from}`);
    return `const {${names}} = __modules[${JSON.stringify(from)}];`;
  });
  const lines: string[] = [];
  await new AsyncFunction('__modules', 'process', 'console', body)(
    MODULES,
    { env },
    { log: (...args) => lines.push(args.join(' ')) },
  );
  return lines;
}

describe('README SDK examples run against a real server', () => {
  let s: SdkServer;
  const dir = mkdtempSync(join(tmpdir(), 'mooring-readme-'));
  const env: Record<string, string> = {};
  beforeAll(async () => {
    s = await startServer('sqlite');
    // The examples' clients use the real clock: the server must agree with it.
    s.t.clock.set(Date.now());
    const admin = await s.admin();
    const fleet = await admin.fleets.create({
      name: 'bench-lab',
      deviceType: 'generic-amd64',
      organization: 'admin',
    });
    const deviceType = (await admin.odata.get<{ id: number }>("device_type(slug='generic-amd64')"))[0]?.id;
    await admin.odata.post('device', {
      uuid: 'b'.repeat(32),
      device_name: 'bench',
      belongs_to__application: fleet.id,
      is_of__device_type: deviceType,
    });
    const { key } = await admin.keys.create({ name: 'readme', expiryDate: null, scopes: ['read'] });
    Object.assign(env, {
      MOORING_URL: s.apiUrl,
      MOORING_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MOORING_API_KEY: key,
      DEVICE_UUID: 'b'.repeat(32),
      MOORING_CONFIG_DIR: dir,
    });
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const blocks = examples(new URL('../../../README.md', import.meta.url));

  it('finds the examples', () => {
    expect(blocks.length).toBe(3);
  });

  it('tour: log in, create a fleet and a variable, list fleets, create a key', async () => {
    const out = await run(blocks[0] ?? '', env);
    expect(out).toContain('admin/thermostats: 0/0 online');
    const admin = await s.admin();
    expect(await admin.env.list({ fleet: 'admin/thermostats' })).toMatchObject([
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
    expect((await admin.keys.list()).map((k) => k.name)).toContain('monitoring');
  });

  it('monitoring with an API key: an offline device, waitOnline timing out', async () => {
    expect(await run(blocks[1] ?? '', env)).toEqual(['offline', 'still offline']);
    expect(await run(blocks[1] ?? '', { ...env, DEVICE_UUID: 'c'.repeat(32) })).toEqual(['no such device']);
  });

  it('signed requests and the 0600 file store', async () => {
    expect(await run(blocks[2] ?? '', env)).toEqual(['admin']);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });
});
