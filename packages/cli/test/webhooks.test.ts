import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../server/test/support/databases.js';
import { recordSecret } from '../../server/test/support/secret-ledger.js';
import { Receiver } from '../../server/test/webhooks/support.js';
import { runCli, tempConfigDir } from './support/cli.js';
import { ADMIN_PASSWORD, type ListeningServer, startListeningServer } from './support/server.js';

// Every command is a node process; on a busy two-core machine each takes a second or more.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

describe.each(dialects())('mooring webhooks against a real server (%s)', (dialect) => {
  let server: ListeningServer;
  let receiver: Receiver;
  let configDir: string;
  const cli = (args: string[], input?: string) =>
    runCli(args, {
      ...(input === undefined ? {} : { input }),
      env: { MOORING_CONFIG_DIR: configDir, MOORING_API_URL: server.url },
    });

  beforeAll(async () => {
    server = await startListeningServer(dialect, { MOORING_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    receiver = await new Receiver().start();
    configDir = tempConfigDir();
    expect((await cli(['login', '--username', 'admin'], `${ADMIN_PASSWORD}\n`)).code).toBe(0);
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('create, list, test, deliveries, redeliver, rotate-secret, delete', async () => {
    const created = await cli([
      'webhooks',
      'create',
      `${receiver.url}/cli`,
      '--org',
      'admin',
      '--type',
      'device.*',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    recordSecret('signing-secret', secret);
    expect(secret).toMatch(/^whsec_/);
    expect(created.stderr).toMatch(/^Created webhook endpoint (\d+)\. Store the secret now.*whpk_/);
    const id = /endpoint (\d+)\./.exec(created.stderr)?.[1] ?? '';

    const listed = await cli(['--json', 'webhooks', 'list']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: Number(id), url: `${receiver.url}/cli`, types: expect.any(Array) }),
    ]);

    const tested = await cli(['webhooks', 'test', id]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^Delivered: 200 in \d+ ms \(msg_test_/);
    const [got] = await receiver.waitFor(1);
    expect(() =>
      new Webhook(secret).verify(got?.body ?? '', got?.headers as Record<string, string>),
    ).not.toThrow();

    // A receiver that fails: `test` exits 1 and the log shows the answer.
    receiver.answer = () => ({ status: 500, body: 'boom' });
    expect((await cli(['webhooks', 'test', id])).code).toBe(1);
    const log = await cli(['webhooks', 'deliveries', id]);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/^DELIVERY\s+WEBHOOK-ID\s+TYPE\s+STATUS/);
    expect(log.stdout).toMatch(/webhook\.test\s+failed\s+1\s+\S+ \S+\s+500\s+\d+\s+-\s+boom/);

    const redelivered = await cli(['webhooks', 'redeliver', id, '--since', '1h']);
    expect(redelivered.stdout).toBe('Queued 0 deliveries.\n');
    expect((await cli(['webhooks', 'redeliver', id])).code).toBe(2);

    const rotated = await cli(['webhooks', 'rotate-secret', id, '--grace', '1h']);
    expect(rotated.code).toBe(0);
    recordSecret('signing-secret', rotated.stdout.trim());
    expect(rotated.stdout.trim()).toMatch(/^whsec_/);
    expect(rotated.stdout.trim()).not.toBe(secret);
    expect(rotated.stderr).toMatch(/The old secret also signs until/);

    expect((await cli(['webhooks', 'delete', id])).code).toBe(0);
    expect((await cli(['webhooks', 'deliveries', id])).code).toBe(4);
    expect((await cli(['webhooks', 'create', 'ftp://example.com', '--org', 'admin'])).code).toBe(5);
  });
});
