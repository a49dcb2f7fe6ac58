import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordSecret } from '../support/secret-ledger.js';
import { startServerProcess } from '../support/server-process.js';

/*
 * Issue 20: a delivery survives kill -9. A real server process (SQLite) is killed while its attempt
 * is in flight at the receiver; the next process on the same data directory delivers the event again
 * with the same webhook-id, at once (the data-directory lock proves the old lease holder is gone),
 * not after the lease — here 60 s + 30 s — runs out.
 */
const PASSWORD = 'kill nine correct horse battery';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Received {
  readonly id: string;
  readonly body: string;
}

describe('webhook delivery across kill -9 (sqlite, real processes)', () => {
  it('the next process redelivers the event in flight, same webhook-id, without waiting for the lease', async () => {
    const received: Received[] = [];
    const held: ServerResponse[] = [];
    const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        received.push({ id: String(req.headers['webhook-id']), body });
        // The first attempt never gets an answer: the server is killed while it waits.
        if (received.length === 1) held.push(res);
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const dataDir = mkdtempSync(join(tmpdir(), 'mooring-kill9-'));
    dirs.push(dataDir);
    const env = {
      MOORING_DATA_DIR: dataDir,
      MOORING_ADMIN_PASSWORD: PASSWORD,
      MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      MOORING_WEBHOOK_TIMEOUT_MS: '60000',
    };
    const waitFor = async (count: number, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`the receiver got ${received.length} of ${count} requests`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const first = await startServerProcess(env);
    try {
      const call = async (method: string, path: string, token: string, body: unknown): Promise<Response> =>
        fetch(`${first.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const login = await fetch(`${first.url}/login_`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      const session = await login.text();
      const endpoint = await call('POST', '/mooring/v1/webhooks', session, {
        organization: 1,
        url: receiverUrl,
        types: ['device.registered'],
      });
      expect(endpoint.status).toBe(201);
      recordSecret('signing-secret', ((await endpoint.json()) as { secret: string }).secret);
      const types = await fetch(`${first.url}/v7/device_type?$select=id&$filter=slug eq 'raspberrypi3'`);
      const typeId = ((await types.json()) as { d: { id: number }[] }).d[0]?.id;
      const fleet = await call('POST', '/v7/application', session, {
        app_name: 'kill9',
        organization: 1,
        is_for__device_type: typeId,
      });
      expect(fleet.status).toBe(201);
      const device = await call('POST', '/v7/device', session, {
        belongs_to__application: ((await fleet.json()) as { id: number }).id,
        is_of__device_type: typeId,
        uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        device_name: 'doomed-delivery',
      });
      expect(device.status).toBe(201);
      await waitFor(1, 15_000);
    } finally {
      // kill -9 while the attempt waits at the receiver; stop() then only waits for the exit.
      const pid = (JSON.parse(readFileSync(join(dataDir, 'mooring.pid'), 'utf8')) as { pid: number }).pid;
      process.kill(pid, 'SIGKILL');
      await first.stop();
    }

    const next = await startServerProcess(env);
    try {
      const line = await next.waitFor(/.*did not stop cleanly.*/);
      expect(JSON.parse(line[0])).toMatchObject({ webhookLeasesReleased: 1 });
      // Far sooner than the 90 s lease: given back at start.
      await waitFor(2, 15_000);
      const [lost, again] = received;
      expect(again?.id).toBe(lost?.id);
      expect(again?.body).toBe(lost?.body);
      expect(JSON.parse(again?.body ?? '{}')).toMatchObject({ type: 'device.registered' });
    } finally {
      await next.stop();
      for (const res of held) res.destroy();
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 90_000);
});
