import type { DeviceDetection, MooringClient } from '@mooring/sdk';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { formatDuration } from '../output.js';
import { parseDuration, parseFleetRef } from '../parse.js';
import type { Runner } from '../program.js';
import { resolveDevice } from './device-ref.js';

/** The supervisor's poll interval (ms); it also sets how soon a silent device is reported. */
const POLL_VAR = 'BALENA_SUPERVISOR_POLL_INTERVAL';

interface Options {
  clear?: boolean;
}

/**
 * `fleet poll-interval` and `device poll-interval`: show, set or clear the poll interval, which sets
 * the detection latency (docs/events.md): a silent device is reported after 1.5 × the interval,
 * then `offline` after the server's grace.
 */
export function registerPollIntervalCommands(fleet: Command, device: Command, runner: Runner): void {
  const describe = (command: Command): Command =>
    command
      .argument('[interval]', 'new interval, e.g. 60s, 5m (omit to show the current one)')
      .option('--clear', 'remove the setting (the fleet value or the server default applies)');
  describe(
    fleet
      .command('poll-interval')
      .description('show or set how often the fleet’s devices poll, and so how soon a silent one is reported')
      .argument('<id-or-slug>', 'fleet id or slug (organization/name)'),
  ).action(runner.action(fleetPollInterval));
  describe(
    device
      .command('poll-interval')
      .description('show or set how often the device polls, and so how soon it is reported if silent')
      .argument('<uuid-or-name>', 'device uuid (or a unique prefix)'),
  ).action(runner.action(devicePollInterval));
}

interface Target {
  readonly resource: 'application_config_variable' | 'device_config_variable';
  readonly field: 'application' | 'device';
  readonly id: number;
}

async function setOrClear(
  client: MooringClient,
  target: Target,
  interval: string | undefined,
  options: Options,
): Promise<'set' | 'cleared' | 'shown'> {
  if (interval !== undefined && options.clear) throw usageError('give an interval or --clear, not both');
  if (interval === undefined && !options.clear) return 'shown';
  const [row] = await client.odata.get<{ id: number }>(target.resource, {
    $select: ['id'],
    $filter: `${target.field} eq ${target.id} and name eq '${POLL_VAR}'`,
  });
  if (options.clear) {
    if (row) await client.odata.delete(`${target.resource}(${row.id})`);
    return 'cleared';
  }
  const seconds = parseDuration(interval as string, 'interval');
  if (seconds < 1) throw usageError('the interval must be at least 1 s');
  const value = String(seconds * 1000);
  if (row) await client.odata.patch(`${target.resource}(${row.id})`, { value });
  else await client.odata.post(target.resource, { [target.field]: target.id, name: POLL_VAR, value });
  return 'set';
}

async function devicePollInterval(
  ctx: CommandContext,
  ref: string,
  interval: string | undefined,
  options: Options,
): Promise<undefined> {
  const client = await ctx.client();
  const uuidOrId = await resolveDevice(client, ref);
  const device = await client.devices.get(uuidOrId);
  const done = await setOrClear(
    client,
    { resource: 'device_config_variable', field: 'device', id: device.id },
    interval,
    options,
  );
  const { detection } = await client.devices.statusHistory(device.uuid, { limit: 1 });
  if (ctx.json) {
    ctx.out.printJson({ uuid: device.uuid, ...detection });
    return undefined;
  }
  if (done === 'set') ctx.out.note(`Set ${POLL_VAR} on ${device.name}.`);
  if (done === 'cleared') ctx.out.note(`Removed ${POLL_VAR} from ${device.name}.`);
  ctx.out.line(describeDetection(detection));
  return undefined;
}

async function fleetPollInterval(
  ctx: CommandContext,
  ref: string,
  interval: string | undefined,
  options: Options,
): Promise<undefined> {
  const client = await ctx.client();
  const fleet = await client.fleets.get(parseFleetRef(ref));
  const done = await setOrClear(
    client,
    { resource: 'application_config_variable', field: 'application', id: fleet.id },
    interval,
    options,
  );
  const [row] = await client.odata.get<{ value: string }>('application_config_variable', {
    $select: ['value'],
    $filter: `application eq ${fleet.id} and name eq '${POLL_VAR}'`,
  });
  const configuredMs = row && /^\d{1,12}$/.test(row.value.trim()) ? Number(row.value) : null;
  if (ctx.json) {
    ctx.out.printJson({ fleet: fleet.id, slug: fleet.slug, configuredMs });
    return undefined;
  }
  if (done === 'set') ctx.out.note(`Set ${POLL_VAR} on ${fleet.slug}.`);
  if (done === 'cleared') ctx.out.note(`Removed ${POLL_VAR} from ${fleet.slug}.`);
  ctx.out.line(
    configuredMs === null
      ? `${fleet.slug}: no poll interval set; devices use their own or the server default.`
      : `${fleet.slug}: devices without their own value poll every ${formatDuration(configuredMs)} ` +
          `(a silent one times out after ${formatDuration(configuredMs * 1.5)}, unless the server's floor is higher: ` +
          '`mooring device poll-interval <uuid>` shows what applies to a device).',
  );
  return undefined;
}

/** One line a person can act on: the interval, where it comes from, and what it means. */
function describeDetection(d: DeviceDetection): string {
  const source =
    d.source === 'default'
      ? 'server default'
      : `${d.source} setting${d.configuredMs === null ? '' : ` ${formatDuration(d.configuredMs)}`}`;
  const floor = d.floorApplied ? `, raised to the server's floor ${formatDuration(d.floorMs)}` : '';
  return (
    `Polls every ${formatDuration(d.pollIntervalMs)} (${source}${floor}); if it goes silent it is reported ` +
    `timeout after ${formatDuration(d.timeoutAfterMs)} and offline after ${formatDuration(d.offlineAfterMs)}.`
  );
}
