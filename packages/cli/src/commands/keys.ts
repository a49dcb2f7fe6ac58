import type { ApiKeyInfo, CreateKeyInput, MooringClient } from '@mooring/sdk';
import { type Command, Option } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatTime, orDash } from '../output.js';
import { collect, parseDuration, parseExpiry, parseFleetRef, parseId } from '../parse.js';
import type { Runner } from '../program.js';
import { keyJson } from '../shapes.js';

interface CreateOptions {
  description?: string;
  expires?: string;
  never?: boolean;
  scope?: string[];
  fleet?: string[];
  headerOnly?: boolean;
}

/** `key create|list|usage|rotate|revoke`. */
export function registerKeyCommands(program: Command, runner: Runner): void {
  const key = program.command('key').description('named API keys for scripts and integrations');

  key
    .command('create')
    .description(
      'create a named API key (needs a password login less than 20 minutes old); prints the key once, on stdout',
    )
    .argument('<name>', 'what the key is for, e.g. "grafana"')
    .option('-d, --description <text>', 'longer description')
    .addOption(
      new Option(
        '--expires <when>',
        'expiry: a date (2027-01-31), date-time or duration (90d, 12h)',
      ).conflicts('never'),
    )
    .option('--never', 'the key never expires (an explicit choice: one of --expires or --never is required)')
    .option(
      '--scope <scope>',
      'limit the key: "read", or <fleets|devices|env|keys>:<read|write>; repeatable',
      collect,
    )
    .option('--fleet <id-or-slug>', 'restrict the key to a fleet; repeatable', collect)
    .option('--header-only', 'refuse the key in ?apikey= query strings (headers only)')
    .action(runner.action(createKey));

  key
    .command('list')
    .description('list your named API keys (never their secrets)')
    .addOption(
      new Option('--kind <kind>', 'which keys')
        .choices(['user', 'provisioning', 'device', 'all'])
        .default('user'),
    )
    .action(runner.action(listKeys));

  key
    .command('usage')
    .description('requests per UTC day and the last use of a key (counts reach the server every few seconds)')
    .argument('<id-or-name>', 'the key')
    .option('--days <n>', 'how many days back, today included (1 to 90)', '30')
    .action(runner.action(keyUsage));

  key
    .command('rotate')
    .description('issue a successor with the same name and limits; the old key works for the grace period')
    .argument('<id-or-name>', 'the key to rotate')
    .option('--grace <duration>', 'how long the old key keeps working (0 to 7d)', '1h')
    .action(runner.action(rotateKey));

  key
    .command('revoke')
    .description('revoke a key at once, on every server instance')
    .argument('<id-or-name>', 'the key to revoke')
    .action(runner.action(revokeKey));
}

async function createKey(ctx: CommandContext, name: string, options: CreateOptions): Promise<undefined> {
  if (name.trim() === '') throw usageError('the key needs a name');
  if (options.expires === undefined && options.never !== true) {
    throw usageError(
      'choose when the key expires: --expires <date|duration> (e.g. --expires 90d) or --never',
    );
  }
  const input: CreateKeyInput = {
    name,
    ...(options.description === undefined ? {} : { description: options.description }),
    expiryDate: options.expires === undefined ? null : parseExpiry(options.expires, Date.now()),
    ...(options.scope === undefined ? {} : { scopes: options.scope }),
    ...(options.fleet === undefined ? {} : { fleets: options.fleet.map(parseFleetRef) }),
    ...(options.headerOnly ? { headerOnly: true } : {}),
  };
  const client = await ctx.client();
  const created = await client.keys.create(input);
  if (ctx.json) {
    ctx.out.printJson({ id: created.id ?? null, name, key: created.key, expiresAt: input.expiryDate });
  } else {
    ctx.out.line(created.key);
  }
  ctx.out.note(
    `Created API key "${name}"${created.id === undefined ? '' : ` (id ${created.id})`}. Store it now: it is shown only once and cannot be recovered.`,
  );
  return undefined;
}

async function listKeys(
  ctx: CommandContext,
  options: { kind: 'user' | 'provisioning' | 'device' | 'all' },
): Promise<undefined> {
  const keys = await (await ctx.client()).keys.list({ kind: options.kind });
  if (ctx.json) {
    ctx.out.printJson(keys.map(keyJson));
    return undefined;
  }
  ctx.out.table(
    keys,
    [
      { header: 'ID', value: (k) => String(k.id), align: 'right' },
      { header: 'NAME', value: (k) => orDash(k.name) },
      { header: 'PREFIX', value: (k) => k.displayPrefix },
      ...(options.kind === 'user' ? [] : [{ header: 'KIND', value: (k: ApiKeyInfo) => k.kind }]),
      { header: 'SCOPES', value: (k) => (k.scopes === null ? 'all' : k.scopes.join(',')) },
      { header: 'FLEETS', value: (k) => (k.fleets === null ? 'all' : k.fleets.join(',')) },
      { header: 'CREATED', value: (k) => formatTime(k.createdAt) },
      { header: 'LAST USED', value: (k) => formatTime(k.lastUsedAt, 'never') },
      { header: 'EXPIRES', value: (k) => formatTime(k.expiryDate, 'never') },
      { header: 'STATUS', value: (k) => k.status },
    ],
    'No API keys.',
  );
  return undefined;
}

async function keyUsage(ctx: CommandContext, ref: string, options: { days: string }): Promise<undefined> {
  const days = Number(options.days);
  if (!/^\d{1,2}$/.test(options.days.trim()) || days < 1 || days > 90) {
    throw usageError(`--days "${options.days}" must be a whole number of days from 1 to 90`);
  }
  const client = await ctx.client();
  const usage = await client.keys.usage(await resolveKeyId(client, ref), { days });
  if (ctx.json) {
    ctx.out.printJson(usage);
    return undefined;
  }
  ctx.out.table(
    usage.days,
    [
      { header: 'DAY (UTC)', value: (d) => d.day },
      { header: 'REQUESTS', value: (d) => String(d.requests), align: 'right' },
    ],
    'No days.',
  );
  ctx.out.note(
    `Key ${usage.keyId}: ${usage.total} request${usage.total === 1 ? '' : 's'} in ${days} day${days === 1 ? '' : 's'}; last used ${formatTime(usage.lastUsedAt, 'never')}.`,
  );
  return undefined;
}

async function rotateKey(ctx: CommandContext, ref: string, options: { grace: string }): Promise<undefined> {
  const graceSeconds = parseDuration(options.grace, '--grace');
  if (graceSeconds > 7 * 86_400) throw usageError(`--grace "${options.grace}" is longer than 7 days`);
  const client = await ctx.client();
  const id = await resolveKeyId(client, ref);
  const rotated = await client.keys.rotate(id, { gracePeriodSeconds: graceSeconds });
  if (ctx.json) {
    ctx.out.printJson({
      id: rotated.id ?? null,
      key: rotated.key,
      previousId: id,
      previousExpiresAt: rotated.previousExpiresAt ?? null,
    });
  } else {
    ctx.out.line(rotated.key);
  }
  ctx.out.note(
    `Rotated key ${id}: the new key${rotated.id === undefined ? '' : ` (id ${rotated.id})`} is shown only once; the old one stops working at ${formatTime(rotated.previousExpiresAt, 'once the grace period ends')}.`,
  );
  return undefined;
}

async function revokeKey(ctx: CommandContext, ref: string): Promise<undefined> {
  const client = await ctx.client();
  const id = await resolveKeyId(client, ref);
  await client.keys.revoke(id);
  if (ctx.json) ctx.out.printJson({ id, revoked: true });
  else ctx.out.line(`Revoked API key ${id}.`);
  return undefined;
}

/**
 * A key is named by id, or by its name when exactly one of the caller's keys has it. Either way it must
 * be one the caller can see: revoking an id that matches nothing would otherwise "succeed" silently.
 */
async function resolveKeyId(client: MooringClient, ref: string): Promise<number> {
  const keys = await client.keys.list({ kind: 'all' });
  if (/^\d+$/.test(ref.trim())) {
    const id = parseId(ref, 'key');
    if (!keys.some((k) => k.id === id)) throw new CliError(EXIT.notFound, `no API key with id ${id}`);
    return id;
  }
  const matches = keys.filter((k) => k.name === ref);
  const [first, second] = matches;
  if (first === undefined) throw new CliError(EXIT.notFound, `no API key named "${ref}"`);
  if (second !== undefined) {
    throw new CliError(
      EXIT.conflict,
      `${matches.length} API keys are named "${ref}" (ids ${matches.map((k) => k.id).join(', ')}): give the id`,
    );
  }
  return first.id;
}
