import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatDuration } from '../output.js';
import { parseDuration, parseFleetRef } from '../parse.js';
import type { Runner } from '../program.js';
import { loadServerModule } from '../server-module.js';

type SimulatorModule = typeof import('@mooring/server/dist/devices/simulator.js');

interface SimulateOptions {
  fleet?: string;
  count: string;
  interval: string;
  silentFraction: string;
  silentAfter: string;
  deviceType?: string;
  duration?: string;
}

/** `simulate`: the server's device simulator (devices/simulator.ts) against any Mooring server. */
export function registerSimulateCommand(program: Command, runner: Runner): void {
  program
    .command('simulate')
    .description(
      'register simulated devices into a fleet and keep them polling their state endpoint until Ctrl-C (or --duration)',
    )
    .option(
      '-f, --fleet <id-or-slug>',
      'fleet to register into (a provisioning key valid for one day is created for it)',
    )
    .option('-n, --count <n>', 'number of devices', '10')
    .option('-i, --interval <duration>', 'poll interval of each device', '10s')
    .option('--silent-fraction <0..1>', 'share of devices that stop polling (to watch them go offline)', '0')
    .option('--silent-after <n>', 'polls a silent device makes before it stops', '1')
    .option('-t, --device-type <slug>', 'device type of the simulated devices (default generic-amd64)')
    .option('-d, --duration <duration>', 'stop after this long (default: run until Ctrl-C)')
    .addHelpText(
      'after',
      '\nWith MOORING_PROVISIONING_KEY set, that key is used (and --fleet defaults to its own fleet).',
    )
    .action(runner.action(simulate));
}

async function simulate(ctx: CommandContext, options: SimulateOptions): Promise<undefined> {
  const count = integer(options.count, '--count', 1, 100_000);
  const intervalMs = parseDuration(options.interval, '--interval') * 1000;
  if (intervalMs < 1000) throw usageError('--interval must be at least 1s');
  const silentFraction = Number(options.silentFraction);
  if (!(silentFraction >= 0 && silentFraction <= 1))
    throw usageError('--silent-fraction must be between 0 and 1');
  const silentAfterPolls = integer(options.silentAfter, '--silent-after', 1, 1_000_000);
  const durationMs =
    options.duration === undefined ? undefined : parseDuration(options.duration, '--duration') * 1000;

  const { apiUrl } = ctx.target();
  const fromEnv = ctx.io.env.MOORING_PROVISIONING_KEY?.trim();
  let provisioningKey: string;
  let fleetId: number | undefined;
  if (fromEnv) {
    provisioningKey = fromEnv;
    if (options.fleet !== undefined)
      fleetId = (await (await ctx.client()).fleets.get(parseFleetRef(options.fleet))).id;
  } else {
    if (options.fleet === undefined)
      throw usageError('give --fleet <id-or-slug> (or set MOORING_PROVISIONING_KEY)');
    const client = await ctx.client();
    const fleet = await client.fleets.get(parseFleetRef(options.fleet));
    fleetId = fleet.id;
    provisioningKey = await client.fleets.createProvisioningKey(fleet.id, {
      name: 'mooring simulate',
      description: `created by \`mooring simulate\` for ${count} simulated devices`,
      expiryDate: new Date(Date.now() + 86_400_000).toISOString(),
    });
    ctx.out.note(`Created a provisioning key for ${fleet.slug}, valid for one day.`);
  }

  const { runSimulator }: SimulatorModule = await loadServerModule(
    'simulate',
    () => import('@mooring/server/dist/devices/simulator.js'),
  );
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = durationMs === undefined ? undefined : setTimeout(stop, durationMs);
  let report: Awaited<ReturnType<SimulatorModule['runSimulator']>>;
  try {
    report = await runSimulator({
      apiUrl,
      provisioningKey,
      ...(fleetId === undefined ? {} : { fleetId }),
      ...(options.deviceType === undefined ? {} : { deviceType: options.deviceType }),
      count,
      intervalMs,
      silentFraction,
      silentAfterPolls,
      signal: controller.signal,
      onServerPollInterval: (serverMs) =>
        ctx.out.note(
          `warning: the server applies a poll interval of ${formatDuration(serverMs)} to these devices, not ${options.interval} ` +
            '(its floor MOORING_HEARTBEAT_MIN_POLL_INTERVAL_MS, or a BALENA_SUPERVISOR_POLL_INTERVAL config variable): ' +
            `a silent device is reported after 1.5 × ${formatDuration(serverMs)} plus the offline grace`,
        ),
      onRegistered: (devices) => {
        const silent = devices.filter((d) => d.silent).length;
        ctx.out.note(
          `Registered ${devices.length} device(s)${silent > 0 ? ` (${silent} will go silent)` : ''}; polling every ${options.interval}${durationMs === undefined ? '; Ctrl-C stops' : ` for ${options.duration}`}.`,
        );
      },
    });
  } catch (error) {
    if (error instanceof TypeError) throw usageError(error.message);
    throw new CliError(
      EXIT.network,
      `the simulation could not start against ${apiUrl}: ${(error as Error).message}`,
    );
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (report.registered === 0) {
    throw new CliError(
      EXIT.server,
      `no device could be registered at ${apiUrl}: ${report.lastError ?? 'unknown error'}`,
    );
  }
  if (ctx.json) ctx.out.printJson(report);
  else {
    ctx.out.line(
      `Simulated ${report.registered} device(s): ${report.polls} polls (${report.notModified} not modified), ${report.silent} went silent, ${report.errors} error(s).`,
    );
    if (report.lastError !== undefined) ctx.out.note(`last error: ${report.lastError}`);
  }
  return undefined;
}

function integer(raw: string, option: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw usageError(`${option} "${raw}" must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}
