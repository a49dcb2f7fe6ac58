import type { Command } from 'commander';
import { usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { formatTime, orDash } from '../output.js';
import type { Runner } from '../program.js';
import { readSecret } from '../prompt.js';
import { userJson } from '../shapes.js';

/** `user create|list`: instance administration (an administrator's session). */
export function registerUserCommands(program: Command, runner: Runner): void {
  const user = program.command('user').description("user accounts (needs an administrator's session)");

  user.command('list').description('list every user of the instance').action(runner.action(listUsers));

  user
    .command('create')
    .description(
      'create a user; the password is asked for twice without echo on a terminal, or read as one line from piped stdin',
    )
    .argument('<username>', 'user name')
    .option('-e, --email <address>', 'e-mail address')
    .option('--admin', 'make the user an instance administrator')
    .action(runner.action(createUser));
}

async function listUsers(ctx: CommandContext): Promise<undefined> {
  const users = await (await ctx.client()).admin.users.list();
  if (ctx.json) {
    ctx.out.printJson(users.map(userJson));
    return undefined;
  }
  ctx.out.table(
    users,
    [
      { header: 'ID', value: (u) => String(u.id), align: 'right' },
      { header: 'USERNAME', value: (u) => u.username },
      { header: 'E-MAIL', value: (u) => orDash(u.email) },
      { header: 'ADMIN', value: (u) => (u.isAdmin ? 'yes' : 'no') },
      { header: 'CREATED', value: (u) => formatTime(u.createdAt) },
    ],
    'No users.',
  );
  return undefined;
}

async function createUser(
  ctx: CommandContext,
  username: string,
  options: { email?: string; admin?: boolean },
): Promise<undefined> {
  if (username.trim() === '') throw usageError('the user needs a name');
  const client = await ctx.client();
  const password = await readSecret(ctx.io.stdin, ctx.io.stderr, `Password for the new user ${username}: `);
  if (ctx.io.stdin.isTTY) {
    const again = await readSecret(ctx.io.stdin, ctx.io.stderr, 'Repeat the password: ');
    if (again !== password) throw usageError('the passwords do not match');
  }
  const user = await client.admin.users.create({
    username,
    password,
    ...(options.email === undefined ? {} : { email: options.email }),
    ...(options.admin ? { isAdmin: true } : {}),
  });
  if (ctx.json) ctx.out.printJson(userJson(user));
  else ctx.out.line(`Created user ${user.username} (id ${user.id}${user.isAdmin ? ', administrator' : ''}).`);
  return undefined;
}
