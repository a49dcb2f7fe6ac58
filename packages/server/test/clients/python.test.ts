import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWithKey, poll, register } from '../devices/support.js';
import { createSigningKey } from '../signatures/support.js';
import { dialects } from '../support/databases.js';
import { request } from '../support/fleet-fixtures.js';
import { ADMIN_PASSWORD, createTestApp, loginAs, type TestApp } from '../support/test-app.js';

const CLIENT_DIR = fileURLToPath(new URL('../../../../clients/python/', import.meta.url));
const SIGNATURES_MD = fileURLToPath(new URL('../../../../docs/signatures.md', import.meta.url));

/** Runs `python3 -m unittest` in clients/python with `env`; resolves with its exit status and output. */
function runPython(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, {
      cwd: CLIENT_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PYTHONDONTWRITEBYTECODE: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Standard Webhooks vectors from the reference implementation (the `standardwebhooks` package): the
 * Python client must verify each and reproduce its signature. Secrets with and without `whsec_`,
 * bodies with non-ASCII text.
 */
function webhookVectors(): unknown[] {
  const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', Buffer.alloc(32, 7).toString('base64')];
  const bodies = ['{"type":"device.offline","data":{"uuid":"4f1c"}}', '{"text":"Grüße, 設備 ✓"}'];
  return secrets.flatMap((secret, i) =>
    bodies.map((body, j) => {
      const id = `msg_${i}${j}`;
      const timestamp = new Date(1_767_225_600_000 + (i * 10 + j) * 1000);
      return {
        secret,
        id,
        timestamp: Math.floor(timestamp.getTime() / 1000),
        body,
        signature: new Webhook(secret).sign(id, timestamp, body),
      };
    }),
  );
}

/**
 * Issue 23: the standard-library Python client (clients/python) against the real server, listening on
 * 127.0.0.1: API key, OData status queries, environment variables, HMAC-signed requests, the event
 * feed and stream, and Standard Webhooks verification.
 */
describe.each(dialects())('Python client against the real server (%s)', (dialect) => {
  let t: TestApp;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    // Signatures carry the real time: the server's clock must agree with Python's.
    t.clock.set(Date.now());
    const session = await loginAs(t.app, 'admin', ADMIN_PASSWORD);
    const world = await fleetWithKey(t, session);
    const device = await register(t.app, world.provisioningKey, world.fleet.id);
    expect((await poll(t.app, device)).status).toBe(200);
    await t.app.devices.heartbeats.flush();
    const key = await request(t.app, 'POST', '/api-key/user/full', session, {
      name: 'python',
      expiryDate: null,
    });
    expect(key.status).toBe(200);
    const signing = await createSigningKey(t, session, 'hmac-sha256', { requiresSignature: true });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'mooring-python-'));
    const vectors = join(dir, 'webhook-vectors.json');
    writeFileSync(vectors, JSON.stringify(webhookVectors()));
    env = {
      MOORING_URL: address,
      MOORING_API_KEY: key.json as string,
      MOORING_SIGNING_KEY_ID: signing.keyId,
      MOORING_SIGNING_SECRET: Buffer.from(signing.material).toString('base64url'),
      MOORING_FLEET: world.fleet.slug,
      MOORING_DEVICE_UUID: device.uuid,
      MOORING_PROVISIONING_KEY: world.provisioningKey,
      MOORING_WEBHOOK_VECTORS: vectors,
    };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('python3 -m unittest passes every test, none skipped', async () => {
    const { code, output } = await runPython(['-m', 'unittest', '-v', 'test_mooring'], env);
    const ran = Number(/^Ran (\d+) tests? in /m.exec(output)?.[1] ?? 0);
    expect(output).toMatch(/^OK$/m); // "OK (skipped=…)" would mean a part did not run
    expect(ran).toBeGreaterThan(30);
    expect(code, output).toBe(0);
  }, 120_000);

  it("docs/signatures.md's standard-library Python example signs a request the server accepts", async () => {
    const text = readFileSync(SIGNATURES_MD, 'utf8');
    const blocks = [...text.matchAll(/<!-- python-example -->\n```python\n([\s\S]*?)```/g)].map(
      (m) => m[1] ?? '',
    );
    expect(blocks).toHaveLength(1);
    const script = join(dir, 'signing_example.py');
    writeFileSync(script, blocks[0] ?? '');
    const { code, output } = await runPython([script], env);
    expect(code, output).toBe(0);
    // The key requires signatures: an answer at all means the signature verified.
    expect((JSON.parse(output) as { d: unknown[] }).d).toContainEqual({
      uuid: env.MOORING_DEVICE_UUID,
      is_online: true,
    });
  }, 60_000);

  it('the examples run: a device status and an online check', async () => {
    const status = await runPython(['examples/fleet_status.py', env.MOORING_FLEET ?? ''], env);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain(env.MOORING_DEVICE_UUID);
    expect(status.output).toContain('online');
    const online = await runPython(['-m', 'mooring', 'online', env.MOORING_DEVICE_UUID ?? ''], env);
    expect(online).toEqual({ code: 0, output: 'online\n' });
    const unknown = await runPython(['-m', 'mooring', 'online', 'no-such-device'], env);
    expect(unknown.code).toBe(4);
  }, 60_000);
});
