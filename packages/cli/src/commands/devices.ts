import type { Device, HeartbeatState } from '@mooring/sdk';
import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { formatDuration, formatTime, orDash } from '../output.js';
import { parseDuration, parseFleetRef } from '../parse.js';
import type { Runner } from '../program.js';
import { confirm } from '../prompt.js';
import { deviceJson } from '../shapes.js';
import { progress } from '../spinner.js';
import { resolveDevice } from './device-ref.js';

const STATES: readonly HeartbeatState[] = ['online', 'offline', 'timeout', 'unknown'];

/** `device list|show|history|rm|online|wait-online`. */
export function registerDeviceCommands(program: Command, runner: Runner): void {
  const device = program.command('device').description('devices and their online status');

  device
    .command('list')
    .description('list the devices you can see')
    .option('-f, --fleet <id-or-slug>', 'only the devices of this fleet')
    .addOption(new Option('-s, --status <state>', 'only devices in this heartbeat state').choices(STATES))
    .action(runner.action(listDevices));

  device
    .command('show')
    .description('show one device')
    .argument('<uuid>', 'device UUID (or an unambiguous prefix of at least 7 digits) or id')
    .action(runner.action(showDevice));

  device
    .command('history')
    .description(
      'status changes (online, timeout, offline) of a device, newest first, with how long each lasted',
    )
    .argument('<uuid>', 'device UUID, prefix or id')
    .option('--since <duration>', 'how far back, e.g. 24h, 7d', '24h')
    .action(runner.action(deviceHistory));

  device
    .command('rm')
    .description('delete a device (its device keys stop working)')
    .argument('<uuid>', 'device UUID, prefix or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runner.action(removeDevice));

  device
    .command('online')
    .description('exit 0 when the device is online, 1 when it is not (for monitoring scripts and cron)')
    .argument('<uuid>', 'device UUID, prefix or id')
    .option('-q, --quiet', 'print nothing; only the exit status answers')
    .action(runner.action(deviceOnline));

  device
    .command('wait-online')
    .description('wait until the device is online: exit 0 when it is, 1 when the timeout passes first')
    .argument('<uuid>', 'device UUID, prefix or id')
    .option('-t, --timeout <duration>', 'give up after this long (e.g. 30s, 5m)', '5m')
    .option('-i, --interval <duration>', 'time between checks', '2s')
    .action(runner.action(waitOnline));
}

async function listDevices(
  ctx: CommandContext,
  options: { fleet?: string; status?: HeartbeatState },
): Promise<undefined> {
  const devices = await (await ctx.client()).devices.list({
    ...(options.fleet === undefined ? {} : { fleet: parseFleetRef(options.fleet) }),
    ...(options.status === undefined ? {} : { status: options.status }),
  });
  if (ctx.json) {
    ctx.out.printJson(devices.map(deviceJson));
    return undefined;
  }
  ctx.out.table(
    devices,
    [
      { header: 'ID', value: (d) => String(d.id), align: 'right' },
      { header: 'UUID', value: (d) => d.uuid },
      { header: 'NAME', value: (d) => d.name },
      { header: 'FLEET', value: (d) => String(d.fleetId), align: 'right' },
      { header: 'DEVICE TYPE', value: (d) => orDash(d.deviceType) },
      { header: 'STATUS', value: (d) => d.status },
      // "Last seen" is the last heartbeat, not the last status change.
      { header: 'LAST SEEN', value: (d) => formatTime(d.lastHeartbeatAt, 'never') },
    ],
    'No devices.',
  );
  return undefined;
}

async function showDevice(ctx: CommandContext, ref: string): Promise<undefined> {
  const client = await ctx.client();
  const device = await client.devices.get(await resolveDevice(client, ref));
  if (ctx.json) ctx.out.printJson(deviceJson(device));
  else ctx.out.details(deviceDetails(device));
  return undefined;
}

function deviceDetails(d: Device): [string, string][] {
  return [
    ['UUID', d.uuid],
    ['ID', String(d.id)],
    ['Name', d.name],
    ['Fleet', String(d.fleetId)],
    ['Device type', orDash(d.deviceType)],
    ['Status', `${d.status}${d.isOnline ? '' : ' (not online)'}`],
    ['Overall status', orDash(d.overallStatus)],
    ['Last seen', formatTime(d.lastHeartbeatAt, 'never')],
    ['Last status change', formatTime(d.lastConnectivityEvent, '-')],
    ['OS version', orDash(d.osVersion)],
    ['Supervisor', orDash(d.supervisorVersion)],
    ['IP address', orDash(d.ipAddress)],
    ['Created', formatTime(d.createdAt)],
    ['Note', orDash(d.note)],
  ];
}

async function deviceHistory(
  ctx: CommandContext,
  ref: string,
  options: { since: string },
): Promise<undefined> {
  const seconds = parseDuration(options.since, '--since');
  const client = await ctx.client();
  const device = await client.devices.get(await resolveDevice(client, ref));
  const now = Date.now();
  const history = await client.devices.statusHistory(device.uuid, {
    since: new Date(now - seconds * 1000),
    limit: 1000,
  });
  if (ctx.json) {
    ctx.out.printJson(history);
    return undefined;
  }
  const rows = history.events.map((e, i) => ({
    ...e,
    lasted: Date.parse(history.events[i - 1]?.at ?? new Date(now).toISOString()) - Date.parse(e.at),
    current: i === 0,
  }));
  ctx.out.table(
    rows,
    [
      { header: 'AT', value: (e) => formatTime(e.at) },
      { header: 'FROM', value: (e) => e.from },
      { header: 'TO', value: (e) => e.to },
      { header: 'LASTED', value: (e) => `${formatDuration(e.lasted)}${e.current ? ' so far' : ''}` },
    ],
    `No status change in the last ${options.since}.`,
  );
  const start =
    history.stateAtSince === null
      ? `more than ${history.events.length} changes; the oldest are not listed`
      : `${history.stateAtSince} at the start`;
  ctx.out.note(
    `${device.name} is ${history.status} now (${start}); last seen ${formatTime(history.lastHeartbeatAt, 'never')}.`,
  );
  return undefined;
}

async function removeDevice(
  ctx: CommandContext,
  ref: string,
  options: { yes?: boolean },
): Promise<undefined> {
  const client = await ctx.client();
  const device = await client.devices.get(await resolveDevice(client, ref));
  await confirm(ctx.io.stdin, ctx.io.stderr, `Delete device ${device.name} (${device.uuid})?`, options.yes);
  await client.devices.remove(device.id);
  if (ctx.json) ctx.out.printJson({ id: device.id, uuid: device.uuid, removed: true });
  else ctx.out.line(`Deleted device ${device.uuid}.`);
  return undefined;
}

async function deviceOnline(
  ctx: CommandContext,
  ref: string,
  options: { quiet?: boolean },
): Promise<ExitCode> {
  const client = await ctx.client();
  const id = await resolveDevice(client, ref);
  const online = await client.devices.isOnline(id);
  if (ctx.json) ctx.out.printJson({ device: String(id), online });
  else if (!options.quiet) ctx.out.line(online ? 'online' : 'offline');
  return online ? EXIT.ok : EXIT.no;
}

async function waitOnline(
  ctx: CommandContext,
  ref: string,
  options: { timeout: string; interval: string },
): Promise<ExitCode> {
  const timeoutMs = parseDuration(options.timeout, '--timeout') * 1000;
  const intervalMs = Math.max(1, parseDuration(options.interval, '--interval')) * 1000;
  const client = await ctx.client();
  const id = await resolveDevice(client, ref);
  const started = Date.now();
  const spinner = progress(ctx.io.stderr, `waiting for ${id} to come online`);
  let online: boolean;
  try {
    online = await client.devices.waitOnline(id, {
      timeoutMs,
      intervalMs,
      onPoll: () => {
        const left = Math.max(0, Math.ceil((timeoutMs - (Date.now() - started)) / 1000));
        spinner.update(`waiting for ${id} to come online (${left}s left)`);
      },
    });
  } finally {
    spinner.stop();
  }
  const waitedSeconds = Math.round((Date.now() - started) / 1000);
  if (ctx.json) ctx.out.printJson({ device: String(id), online, waitedSeconds });
  else ctx.out.line(online ? 'online' : `still offline after ${options.timeout}`);
  return online ? EXIT.ok : EXIT.no;
}
