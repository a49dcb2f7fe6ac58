import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerDeviceCommands } from './commands/devices.js';
import { registerEnvCommands } from './commands/env.js';
import { registerEventCommands } from './commands/events.js';
import { registerFleetCommands } from './commands/fleets.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerOrgCommands } from './commands/orgs.js';
import { registerPollIntervalCommands } from './commands/poll-interval.js';
import { registerServerCommands } from './commands/server.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerUserCommands } from './commands/users.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import { CommandContext, type GlobalOptions, type Io } from './context.js';
import { EXIT, EXIT_CODE_HELP, type ExitCode } from './exit-codes.js';
import { toCliError } from './friendly-errors.js';
import { VERSION } from './version.js';

/** A command body: returns its exit status (default 0) or throws. */
export type Handler<Args extends unknown[]> = (
  ctx: CommandContext,
  ...args: Args
) => Promise<ExitCode | undefined>;

/** Wraps handlers so that each gets a context and its errors become CLI errors with exit statuses. */
export interface Runner {
  action<Args extends unknown[]>(handler: Handler<Args>): (...args: unknown[]) => Promise<void>;
}

const ENVIRONMENT_HELP = `Environment:
  MOORING_API_URL     server to talk to (default: the last \`mooring login\`, else http://127.0.0.1:8080)
  MOORING_API_KEY     use this API key instead of the stored session (never put keys on the command line)
  MOORING_CONFIG_DIR  where sessions are stored (default: $XDG_CONFIG_HOME/mooring or ~/.config/mooring)
  MOORING_*           \`mooring serve\` and \`mooring db migrate\` read the server settings (see the README)`;

/** Builds the `mooring` program; `run` parses one command line against it. */
export function createProgram(io: Io, onExit: (code: ExitCode) => void): Command {
  const program = new Command('mooring')
    .description('Manage a Mooring server: API keys, fleets, devices, variables, users.')
    .version(VERSION, '-V, --version')
    .option('--api-url <url>', 'server to talk to (overrides MOORING_API_URL)')
    .option('--json', 'print machine-readable JSON instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`mooring: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODE_HELP}\n`);

  const runner: Runner = {
    action:
      <Args extends unknown[]>(handler: Handler<Args>) =>
      async (...args: unknown[]): Promise<void> => {
        const command = args[args.length - 1] as Command;
        const ctx = new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
        try {
          onExit((await handler(ctx, ...(args.slice(0, -1) as Args))) ?? EXIT.ok);
        } catch (error) {
          throw toCliError(error, ctx.errorContext());
        }
      },
  };

  registerServerCommands(program, runner);
  registerAuthCommands(program, runner);
  registerKeyCommands(program, runner);
  registerFleetCommands(program, runner);
  registerDeviceCommands(program, runner);
  registerPollIntervalCommands(subcommand(program, 'fleet'), subcommand(program, 'device'), runner);
  registerEnvCommands(program, runner);
  registerEventCommands(program, runner);
  registerWebhookCommands(program, runner);
  registerUserCommands(program, runner);
  registerOrgCommands(program, runner);
  registerSimulateCommand(program, runner);
  return program;
}

/** Runs one command line (`argv` without node and the script) and resolves to its exit status. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every parse error (unknown option, missing argument) is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const cliError =
      error instanceof CliError ? error : toCliError(error, { apiUrl: 'the server', credential: 'none' });
    io.stderr.write(`mooring: ${cliError.message}\n`);
    return cliError.exitCode;
  }
}

/** A top-level command registered above, to add subcommands to from another file. */
function subcommand(program: Command, name: string): Command {
  const found = program.commands.find((command) => command.name() === name);
  if (!found) throw new Error(`no "${name}" command registered`);
  return found;
}
