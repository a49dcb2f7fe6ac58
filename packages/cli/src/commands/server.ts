import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { Runner } from '../program.js';
import { readSecret } from '../prompt.js';
import { loadServerModule } from '../server-module.js';

type ServerModule = typeof import('@mooring/server/dist/main.js');

/** Loaded only by these commands: every other command starts without the server's dependencies. */
const loadServer = (command: string): Promise<ServerModule> =>
  loadServerModule(command, () => import('@mooring/server/dist/main.js'));

/**
 * `serve`, `db migrate` and `admin reset-password`: the server side, configured by the MOORING_*
 * variables (see the README).
 */
export function registerServerCommands(program: Command, runner: Runner): void {
  program
    .command('serve')
    .description('run the Mooring server (configured by MOORING_* environment variables; see the README)')
    .option('-p, --port <port>', 'port to listen on (overrides MOORING_PORT)')
    .option('--host <address>', 'address to listen on (overrides MOORING_HOST)')
    .action(runner.action(serve));

  program
    .command('db')
    .description('database maintenance')
    .command('migrate')
    .description('bring the configured database up to date (the server also does this at start)')
    .action(runner.action(migrate));

  program
    .command('admin')
    .description("offline administration, on the server's machine against its database (MOORING_* settings)")
    .command('reset-password')
    .description(
      "set a new password and revoke the user's sessions; needs no login and no running server, only the " +
        "server's MOORING_DATA_DIR or MOORING_DATABASE_URL",
    )
    .option('-u, --username <name>', 'user name or e-mail address', 'admin')
    .option(
      '--password-stdin',
      'read the new password (one line) from stdin, or ask for it without echo at a terminal; default: generate one and print it once',
    )
    .action(runner.action(resetPassword));
}

async function serve(ctx: CommandContext, options: { port?: string; host?: string }): Promise<undefined> {
  const env = {
    ...ctx.io.env,
    ...(options.port === undefined ? {} : { MOORING_PORT: options.port }),
    ...(options.host === undefined ? {} : { MOORING_HOST: options.host }),
  };
  const { startServer } = await loadServer('serve');
  const server = await withConfigErrors(() => startServer(env, ctx.io.stdout));
  // Runs until SIGINT/SIGTERM, then drains in-flight requests and closes the database.
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await server.close(signal);
  return undefined;
}

async function migrate(ctx: CommandContext): Promise<undefined> {
  const { migrateDatabase } = await loadServer('db migrate');
  const result = await withConfigErrors(() => migrateDatabase(ctx.io.env));
  if (ctx.json) ctx.out.printJson(result);
  else if (result.applied.length === 0) ctx.out.line(`The ${result.dialect} database is up to date.`);
  else
    ctx.out.line(
      `Applied ${result.applied.length} migration(s) to the ${result.dialect} database: ${result.applied.join(', ')}`,
    );
  return undefined;
}

async function resetPassword(
  ctx: CommandContext,
  options: { username: string; passwordStdin?: boolean },
): Promise<undefined> {
  const { resetUserPassword } = await loadServer('admin reset-password');
  const password = options.passwordStdin
    ? await readSecret(ctx.io.stdin, ctx.io.stderr, `New password for ${options.username}: `)
    : undefined;
  const result = await withConfigErrors(
    () =>
      resetUserPassword(ctx.io.env, {
        login: options.username,
        ...(password === undefined ? {} : { password }),
      }),
    'the password could not be reset',
  );
  if (!result.ok)
    throw new CliError(result.reason === 'unknown_user' ? EXIT.notFound : EXIT.usage, result.message);
  if (ctx.json) {
    ctx.out.printJson({
      username: result.username,
      password: result.generatedPassword ?? null,
      revokedSessions: result.revokedSessions,
    });
  } else {
    ctx.out.line(
      result.generatedPassword === undefined
        ? `New password set for "${result.username}".`
        : `New password for "${result.username}" (shown only now): ${result.generatedPassword}`,
    );
    ctx.out.line(`Revoked ${result.revokedSessions} session(s) of "${result.username}".`);
  }
  return undefined;
}

/** A bad MOORING_* setting is a usage error (exit 2), reported with the variable's name. */
async function withConfigErrors<T>(
  start: () => Promise<T>,
  failure = 'the server could not start',
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigError') {
      throw new CliError(EXIT.usage, `configuration error: ${error.message}`);
    }
    if (error instanceof Error) throw new CliError(EXIT.server, `${failure}: ${error.message}`);
    throw error;
  }
}
