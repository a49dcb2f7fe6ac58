import { isMooringError, MemoryTokenStore, MooringClient } from '@mooring/sdk';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { sessionStore } from '../config-store.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { Runner } from '../program.js';
import { readAnswer, readSecret } from '../prompt.js';
import { actorJson } from '../shapes.js';

/** `login`, `logout`, `whoami`. */
export function registerAuthCommands(program: Command, runner: Runner): void {
  program
    .command('login')
    .description(
      'log in with a password (read without echo on a terminal, or one line of piped stdin); the session is stored with mode 0600',
    )
    .option('-u, --username <name>', 'user name or e-mail (asked for on a terminal when omitted)')
    .action(runner.action(login));

  program
    .command('logout')
    .description('forget the stored session and revoke it on the server')
    .action(runner.action(logout));

  program
    .command('whoami')
    .description('show who the current credential belongs to')
    .action(runner.action(whoami));
}

async function login(ctx: CommandContext, options: { username?: string }): Promise<undefined> {
  const { apiUrl } = ctx.target();
  let username = options.username?.trim();
  if (!username) {
    if (!ctx.io.stdin.isTTY) {
      throw usageError(
        '--username is required when stdin is not a terminal (stdin then carries the password)',
      );
    }
    username = (await readAnswer(ctx.io.stdin, ctx.io.stderr, 'Username: '))?.trim();
    if (!username) throw usageError('no user name given');
  }
  const password = await readSecret(ctx.io.stdin, ctx.io.stderr, `Password for ${username} on ${apiUrl}: `);
  const client = ctx.sessionClient();
  const previous = await client.auth.getToken();
  try {
    await client.auth.login(username, password);
  } catch (error) {
    if (isMooringError(error, 'Unauthorized')) {
      throw new CliError(EXIT.auth, `login refused by ${apiUrl}: wrong user name or password (HTTP 401)`);
    }
    throw error;
  }
  ctx.rememberTarget();
  // The session this login replaces is revoked, not left valid on the server and forgotten here.
  if (previous !== null) {
    await new MooringClient({ apiUrl, tokenStore: new MemoryTokenStore(previous) }).auth.logout();
  }
  const actor = await client.auth.whoami();
  if (ctx.json) ctx.out.printJson({ apiUrl, actor: actorJson(actor) });
  else ctx.out.line(`Logged in to ${apiUrl} as ${username}.`);
  if (ctx.io.env.MOORING_API_KEY?.trim()) {
    ctx.out.note('note: MOORING_API_KEY is set, and takes precedence over this session until you unset it');
  }
  return undefined;
}

async function logout(ctx: CommandContext): Promise<undefined> {
  const { apiUrl } = ctx.target();
  const wasLoggedIn = (await sessionStore(ctx.configDir, apiUrl).get()) !== null;
  // Revokes the session server-side when the server is reachable; forgets it locally in any case.
  if (wasLoggedIn) await ctx.sessionClient().auth.logout();
  if (ctx.json) ctx.out.printJson({ apiUrl, loggedOut: wasLoggedIn });
  else ctx.out.line(wasLoggedIn ? `Logged out of ${apiUrl}.` : `Not logged in to ${apiUrl}.`);
  return undefined;
}

async function whoami(ctx: CommandContext): Promise<undefined> {
  const client = await ctx.client();
  const actor = await client.auth.whoami();
  const { apiUrl } = ctx.target();
  const credential = ctx.errorContext().credential;
  if (ctx.json) {
    ctx.out.printJson({ apiUrl, credential, actor: actorJson(actor) });
    return undefined;
  }
  const who =
    actor.actorType === 'user'
      ? [['User', actor.username] as const, ['E-mail', actor.email ?? '-'] as const]
      : actor.actorType === 'application'
        ? [['Fleet', actor.slug] as const]
        : [['Device', actor.uuid] as const];
  ctx.out.details([
    ...who,
    ['Actor', `${actor.actorType} ${actor.actorTypeId} (actor id ${actor.id})`],
    ['Credential', credential === 'api-key' ? 'API key (MOORING_API_KEY)' : 'session'],
    ['Server', apiUrl],
  ]);
  return undefined;
}
