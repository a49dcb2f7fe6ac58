import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatTime, orDash } from '../output.js';
import { parseFleetRef } from '../parse.js';
import type { Runner } from '../program.js';
import { confirm } from '../prompt.js';
import { fleetJson } from '../shapes.js';

/** `fleet list|create|rm`. */
export function registerFleetCommands(program: Command, runner: Runner): void {
  const fleet = program.command('fleet').description('fleets of devices');

  fleet
    .command('list')
    .description('list the fleets you can see, with device counts')
    .action(runner.action(listFleets));

  fleet
    .command('create')
    .description('create a fleet')
    .argument('<name>', 'fleet name')
    .requiredOption('-t, --device-type <slug>', 'device type, e.g. raspberrypi4-64')
    .option('-o, --organization <handle-or-id>', 'owning organization (default: your only organization)')
    .action(runner.action(createFleet));

  fleet
    .command('rm')
    .description('delete a fleet')
    .argument('<id-or-slug>', 'fleet id or slug (organization/name)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runner.action(removeFleet));
}

async function listFleets(ctx: CommandContext): Promise<undefined> {
  const fleets = await (await ctx.client()).fleets.list();
  if (ctx.json) {
    ctx.out.printJson(fleets.map(fleetJson));
    return undefined;
  }
  ctx.out.table(
    fleets,
    [
      { header: 'ID', value: (f) => String(f.id), align: 'right' },
      { header: 'NAME', value: (f) => f.name },
      { header: 'SLUG', value: (f) => f.slug },
      { header: 'DEVICE TYPE', value: (f) => orDash(f.deviceType) },
      { header: 'ONLINE', value: (f) => `${f.onlineCount}/${f.deviceCount}`, align: 'right' },
      { header: 'CREATED', value: (f) => formatTime(f.createdAt) },
    ],
    'No fleets.',
  );
  return undefined;
}

async function createFleet(
  ctx: CommandContext,
  name: string,
  options: { deviceType: string; organization?: string },
): Promise<undefined> {
  if (name.trim() === '') throw usageError('the fleet needs a name');
  const client = await ctx.client();
  let organization: number | string;
  if (options.organization !== undefined) {
    organization = /^\d+$/.test(options.organization) ? Number(options.organization) : options.organization;
  } else {
    const orgs = await client.odata.get<{ id: number; handle: string }>('organization', {
      $select: ['id', 'handle'],
    });
    const [only, other] = orgs;
    if (only === undefined) throw new CliError(EXIT.notFound, 'you are not a member of any organization');
    if (other !== undefined) {
      throw usageError(
        `you are in ${orgs.length} organizations (${orgs.map((o) => o.handle).join(', ')}): choose one with --organization`,
      );
    }
    organization = only.id;
  }
  const fleet = await client.fleets.create({ name, deviceType: options.deviceType, organization });
  if (ctx.json) ctx.out.printJson(fleetJson(fleet));
  else ctx.out.line(`Created fleet ${fleet.slug} (id ${fleet.id}).`);
  return undefined;
}

async function removeFleet(ctx: CommandContext, ref: string, options: { yes?: boolean }): Promise<undefined> {
  const client = await ctx.client();
  const fleet = await client.fleets.get(parseFleetRef(ref));
  await confirm(
    ctx.io.stdin,
    ctx.io.stderr,
    `Delete fleet ${fleet.slug} and its ${fleet.deviceCount} device(s)?`,
    options.yes,
  );
  await client.fleets.remove(fleet.id);
  if (ctx.json) ctx.out.printJson({ id: fleet.id, slug: fleet.slug, removed: true });
  else ctx.out.line(`Deleted fleet ${fleet.slug}.`);
  return undefined;
}
