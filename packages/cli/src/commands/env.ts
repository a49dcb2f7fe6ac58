import type { EnvTarget } from '@mooring/sdk';
import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { parseFleetRef } from '../parse.js';
import type { Runner } from '../program.js';
import { envJson } from '../shapes.js';
import { resolveDevice } from './device-ref.js';

interface TargetOptions {
  fleet?: string;
  device?: string;
}

/** `env list|set|rm` for a fleet or a device. */
export function registerEnvCommands(program: Command, runner: Runner): void {
  const env = program.command('env').description('environment variables of a fleet or a device');
  const target = (command: Command): Command =>
    command
      .option('-f, --fleet <id-or-slug>', "the fleet's variables")
      .option('-d, --device <uuid>', "the device's own variables");

  target(env.command('list').description('list variables')).action(runner.action(listVars));
  target(
    env
      .command('set')
      .description('create or change a variable')
      .argument('<name>', 'variable name')
      .argument('<value>', 'value'),
  ).action(runner.action(setVar));
  target(env.command('rm').description('delete a variable').argument('<name>', 'variable name')).action(
    runner.action(removeVar),
  );
}

async function envTarget(ctx: CommandContext, options: TargetOptions): Promise<EnvTarget> {
  if ((options.fleet === undefined) === (options.device === undefined)) {
    throw usageError('give exactly one of --fleet <id-or-slug> and --device <uuid>');
  }
  if (options.fleet !== undefined) return { fleet: parseFleetRef(options.fleet) };
  return { device: await resolveDevice(await ctx.client(), options.device ?? '') };
}

async function listVars(ctx: CommandContext, options: TargetOptions): Promise<undefined> {
  const target = await envTarget(ctx, options);
  const vars = await (await ctx.client()).env.list(target);
  if (ctx.json) {
    ctx.out.printJson(vars.map(envJson));
    return undefined;
  }
  ctx.out.table(
    vars,
    [
      { header: 'ID', value: (v) => String(v.id), align: 'right' },
      { header: 'NAME', value: (v) => v.name },
      { header: 'VALUE', value: (v) => v.value },
    ],
    'No variables.',
  );
  return undefined;
}

async function setVar(
  ctx: CommandContext,
  name: string,
  value: string,
  options: TargetOptions,
): Promise<undefined> {
  if (name.trim() === '') throw usageError('the variable needs a name');
  const target = await envTarget(ctx, options);
  const variable = await (await ctx.client()).env.set({ ...target, name, value });
  if (ctx.json) ctx.out.printJson(envJson(variable));
  else ctx.out.line(`Set ${variable.name}.`);
  return undefined;
}

async function removeVar(ctx: CommandContext, name: string, options: TargetOptions): Promise<undefined> {
  const target = await envTarget(ctx, options);
  await (await ctx.client()).env.remove({ ...target, name });
  if (ctx.json) ctx.out.printJson({ name, removed: true });
  else ctx.out.line(`Deleted ${name}.`);
  return undefined;
}
