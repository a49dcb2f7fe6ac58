import type { MooringClient, MooringEvent } from '@mooring/sdk';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { orDash } from '../output.js';
import { collect, parseFleetRef, parseId } from '../parse.js';
import type { Runner } from '../program.js';

/** `events tail`: the event log, live. */
export function registerEventCommands(program: Command, runner: Runner): void {
  const events = program
    .command('events')
    .description('the event log: device status changes, device lifecycle, API key events');

  events
    .command('tail')
    .description('follow events as they happen; reconnects and resumes by itself (Ctrl-C to stop)')
    .option('-f, --fleet <id-or-slug>', 'only the events of this fleet')
    .option(
      '-t, --type <type>',
      'only events of this type, e.g. device.offline or device.* (repeatable)',
      collect,
    )
    .option('--after <cursor>', 'start after this cursor (printed with --json) instead of now')
    .option('-n, --count <n>', 'exit after this many events')
    .action(runner.action(tail));
}

interface TailOptions {
  readonly fleet?: string;
  readonly type?: string[];
  readonly after?: string;
  readonly count?: string;
}

async function tail(ctx: CommandContext, options: TailOptions): Promise<undefined> {
  const client = await ctx.client();
  const fleet = options.fleet === undefined ? undefined : await fleetId(client, options.fleet);
  const after = options.after === undefined ? undefined : parseCursor(options.after);
  const count = options.count === undefined ? undefined : parseId(options.count, 'count');
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let seen = 0;
  try {
    const stream = client.events.stream({
      ...(options.type === undefined ? {} : { types: options.type }),
      ...(fleet === undefined ? {} : { fleet }),
      ...(after === undefined ? {} : { after }),
      signal: stop.signal,
      onReconnect: () => {
        if (!ctx.json) ctx.io.stderr.write('mooring: connection lost; resuming…\n');
      },
    });
    for await (const event of stream) {
      if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(event)}\n`);
      else ctx.out.line(describe(event));
      if (count !== undefined && ++seen >= count) break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return undefined;
}

/** One line per event: time, type, subject, change. */
export function describe(e: MooringEvent): string {
  const subject = e.deviceUuid ?? (e.apiKey === null ? '-' : `key ${e.apiKey}`);
  const change = e.previousStatus === null ? orDash(e.status) : `${e.previousStatus} → ${e.status ?? '-'}`;
  const time = `${e.at.slice(0, 19).replace('T', ' ')}Z`;
  return `${time}  ${e.type.padEnd(17)}  ${subject}  ${change}  fleet ${orDash(e.fleet)}  #${e.id}`;
}

async function fleetId(client: MooringClient, raw: string): Promise<number> {
  const ref = parseFleetRef(raw);
  return typeof ref === 'number' ? ref : (await client.fleets.get(ref)).id;
}

function parseCursor(raw: string): number {
  const text = raw.trim();
  if (!/^\d{1,15}$/.test(text)) throw usageError(`--after "${raw}" is not a cursor: expected a number`);
  return Number(text);
}
