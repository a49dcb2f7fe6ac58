import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '@mooring/sdk';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatTime, orDash } from '../output.js';
import { collect, parseDuration, parseId } from '../parse.js';
import type { Runner } from '../program.js';

interface CreateOptions {
  org: string;
  type?: string[];
  fleet?: string[];
  description?: string;
}

/** `webhooks create|list|deliveries|redeliver|test|rotate-secret|delete` (docs/events.md "Webhooks"). */
export function registerWebhookCommands(program: Command, runner: Runner): void {
  const webhooks = program
    .command('webhooks')
    .description('signed webhooks to your servers (organization administrators)');

  webhooks
    .command('create')
    .description('create an endpoint; prints its whsec_ secret once, on stdout')
    .argument('<url>', 'https:// URL that receives the events')
    .requiredOption('--org <id-or-handle>', 'the organization whose events it receives')
    .option(
      '--type <type>',
      'an event type (device.offline) or family (device.*); repeatable; default all',
      collect,
    )
    .option('--fleet <id>', 'only this fleet’s events; repeatable; default all fleets', collect)
    .option('-d, --description <text>', 'what it is for')
    .action(runner.action(createWebhook));

  webhooks.command('list').description('endpoints you manage').action(runner.action(listWebhooks));

  webhooks
    .command('deliveries')
    .description('the delivery log of an endpoint, newest first, with every attempt')
    .argument('<id>', 'endpoint id')
    .option('--limit <n>', 'how many deliveries (1–100)', '20')
    .option('--status <status>', 'only pending, delivered, failed or cancelled ones')
    .action(runner.action(listDeliveries));

  webhooks
    .command('redeliver')
    .description('send one event again (--event) or every event since a time (--since), same webhook-id')
    .argument('<id>', 'endpoint id')
    .option('--event <cursor>', 'the event’s id (its cursor)')
    .option('--since <when>', 'a date-time (2026-01-15T12:00:00Z) or a duration ago (2h, 1d)')
    .action(runner.action(redeliver));

  webhooks
    .command('test')
    .description('send a webhook.test message and wait for the answer (exit 1 if it was not 2xx)')
    .argument('<id>', 'endpoint id')
    .action(runner.action(sendTest));

  webhooks
    .command('rotate-secret')
    .description('issue a new whsec_ secret (printed once); the old one keeps signing for the grace period')
    .argument('<id>', 'endpoint id')
    .option('--grace <duration>', 'how long the old secret keeps signing (0 to 7d)', '24h')
    .action(runner.action(rotateSecret));

  webhooks
    .command('delete')
    .description('delete an endpoint and its delivery log')
    .argument('<id>', 'endpoint id')
    .action(runner.action(deleteWebhook));
}

function organizationRef(raw: string): number | string {
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

async function createWebhook(ctx: CommandContext, url: string, options: CreateOptions): Promise<undefined> {
  const client = await ctx.client();
  const created = await client.webhooks.create({
    organization: organizationRef(options.org),
    url,
    ...(options.type === undefined ? {} : { types: options.type }),
    ...(options.fleet === undefined ? {} : { fleets: options.fleet.map((f) => parseId(f, 'fleet id')) }),
    ...(options.description === undefined ? {} : { description: options.description }),
  });
  if (ctx.json) ctx.out.printJson(created);
  else ctx.out.line(created.secret);
  ctx.out.note(
    `Created webhook endpoint ${created.id}. Store the secret now: it is shown only once. Public key (v1a signatures): ${created.publicKey}`,
  );
  return undefined;
}

const list = (values: readonly (string | number)[] | null): string =>
  values === null ? 'all' : values.join(',');

async function listWebhooks(ctx: CommandContext): Promise<undefined> {
  const endpoints = await (await ctx.client()).webhooks.list();
  if (ctx.json) {
    ctx.out.printJson(endpoints);
    return undefined;
  }
  ctx.out.table<WebhookEndpoint>(
    endpoints,
    [
      { header: 'ID', value: (e) => String(e.id), align: 'right' },
      { header: 'ORG', value: (e) => String(e.organization), align: 'right' },
      { header: 'URL', value: (e) => e.url },
      { header: 'TYPES', value: (e) => list(e.types) },
      { header: 'FLEETS', value: (e) => list(e.fleets) },
      { header: 'STATE', value: (e) => (e.enabled ? 'enabled' : `disabled (${orDash(e.disabledReason)})`) },
      { header: 'FAILING SINCE', value: (e) => formatTime(e.failingSince) },
    ],
    'No webhook endpoints.',
  );
  return undefined;
}

const STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

async function listDeliveries(
  ctx: CommandContext,
  id: string,
  options: { limit: string; status?: string },
): Promise<undefined> {
  const limit = parseId(options.limit, '--limit');
  if (limit > 100) throw usageError('--limit is at most 100');
  const status = options.status;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
    throw usageError(`--status must be one of ${STATUSES.join(', ')}`);
  const page = await (await ctx.client()).webhooks.deliveries(parseId(id, 'endpoint id'), {
    limit,
    ...(status === undefined ? {} : { status: status as (typeof STATUSES)[number] }),
  });
  if (ctx.json) {
    ctx.out.printJson(page);
    return undefined;
  }
  // One line per attempt (a delivery not attempted yet: one line without).
  const rows: { d: WebhookDelivery; attempt: WebhookAttempt | undefined }[] = [];
  for (const d of page.deliveries) {
    if (d.attemptLog.length === 0) rows.push({ d, attempt: undefined });
    for (const attempt of d.attemptLog) rows.push({ d, attempt });
  }
  ctx.out.table(
    rows,
    [
      { header: 'DELIVERY', value: (r) => String(r.d.id), align: 'right' },
      { header: 'WEBHOOK-ID', value: (r) => r.d.webhookId },
      { header: 'TYPE', value: (r) => r.d.type },
      { header: 'STATUS', value: (r) => r.d.status },
      { header: '#', value: (r) => (r.attempt ? String(r.attempt.attempt) : '-'), align: 'right' },
      { header: 'AT', value: (r) => formatTime(r.attempt?.at) },
      { header: 'HTTP', value: (r) => orDash(r.attempt?.statusCode?.toString() ?? r.attempt?.error ?? null) },
      { header: 'MS', value: (r) => (r.attempt ? String(r.attempt.durationMs) : '-'), align: 'right' },
      { header: 'NEXT', value: (r) => formatTime(r.d.nextAttemptAt) },
      { header: 'ANSWER', value: (r) => orDash(r.attempt?.response?.slice(0, 60) ?? null) },
    ],
    'No deliveries yet.',
  );
  return undefined;
}

async function redeliver(
  ctx: CommandContext,
  id: string,
  options: { event?: string; since?: string },
): Promise<undefined> {
  if ((options.event === undefined) === (options.since === undefined))
    throw usageError('give exactly one of --event <cursor> and --since <when>');
  const client = await ctx.client();
  const endpoint = parseId(id, 'endpoint id');
  let result: { queued: number; truncated: boolean };
  if (options.event !== undefined) {
    result = await client.webhooks.redeliver(endpoint, { eventId: parseId(options.event, '--event') });
  } else {
    const raw = options.since ?? '';
    const since = /^\d+[smhd]$/.test(raw)
      ? new Date(Date.now() - parseDuration(raw, '--since') * 1000)
      : new Date(raw);
    if (Number.isNaN(since.getTime()))
      throw usageError(`--since "${raw}" is neither a date-time nor a duration`);
    result = await client.webhooks.redeliver(endpoint, { since });
  }
  if (ctx.json) ctx.out.printJson(result);
  else
    ctx.out.line(
      `Queued ${result.queued} deliver${result.queued === 1 ? 'y' : 'ies'}${result.truncated ? ' (the first 10000; run again with a later --since for the rest)' : ''}.`,
    );
  return undefined;
}

/** Polls the delivery log for the test message's outcome, up to this long. */
const TEST_WAIT_MS = 20_000;

async function sendTest(ctx: CommandContext, id: string): Promise<ExitCode> {
  const client = await ctx.client();
  const endpoint = parseId(id, 'endpoint id');
  const { webhookId } = await client.webhooks.sendTest(endpoint);
  const deadline = Date.now() + TEST_WAIT_MS;
  let found: WebhookDelivery | undefined;
  // Bounded by the deadline; a test message is attempted once.
  while (Date.now() < deadline) {
    const page = await client.webhooks.deliveries(endpoint, { limit: 20 });
    found = page.deliveries.find((d) => d.webhookId === webhookId);
    if (found && found.status !== 'pending') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const attempt = found?.attemptLog[0];
  if (ctx.json) ctx.out.printJson({ webhookId, delivery: found ?? null });
  else if (!found || found.status === 'pending') ctx.out.line(`Sent ${webhookId}; no answer yet.`);
  else
    ctx.out.line(
      `${found.status === 'delivered' ? 'Delivered' : 'Failed'}: ${attempt?.statusCode ?? attempt?.error ?? found.lastError ?? '?'} in ${attempt?.durationMs ?? 0} ms (${webhookId})`,
    );
  return found?.status === 'delivered' ? EXIT.ok : EXIT.no;
}

async function rotateSecret(ctx: CommandContext, id: string, options: { grace: string }): Promise<undefined> {
  const grace = parseDuration(options.grace, '--grace');
  if (grace > 7 * 86_400) throw usageError(`--grace "${options.grace}" is longer than 7 days`);
  const rotated = await (await ctx.client()).webhooks.rotateSecret(parseId(id, 'endpoint id'), {
    gracePeriodSeconds: grace,
  });
  if (ctx.json) ctx.out.printJson(rotated);
  else ctx.out.line(rotated.secret);
  ctx.out.note(
    rotated.previousSecretExpiresAt === null
      ? 'The old secret no longer signs. Store the new one now: it is shown only once.'
      : `The old secret also signs until ${formatTime(rotated.previousSecretExpiresAt)}. Store the new one now: it is shown only once.`,
  );
  return undefined;
}

async function deleteWebhook(ctx: CommandContext, id: string): Promise<undefined> {
  const endpoint = parseId(id, 'endpoint id');
  await (await ctx.client()).webhooks.delete(endpoint);
  ctx.out.note(`Deleted webhook endpoint ${endpoint}.`);
  return undefined;
}
