import { odataString } from '@mooring/sdk';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { Runner } from '../program.js';

/** `org remove-member`: organization membership (an organization administrator or the instance's). */
export function registerOrgCommands(program: Command, runner: Runner): void {
  const org = program.command('org').description('organizations you administer');

  org
    .command('remove-member')
    .description(
      'remove a user from an organization; their sessions and keys lose access to it at once (the last administrator cannot be removed)',
    )
    .argument('<organization>', 'organization handle or id')
    .argument('<user>', 'username or user id')
    .action(runner.action(removeMember));
}

async function removeMember(ctx: CommandContext, organization: string, user: string): Promise<undefined> {
  if (organization.trim() === '' || user.trim() === '') throw usageError('name an organization and a user');
  const client = await ctx.client();
  const orgId = /^\d+$/.test(organization)
    ? Number(organization)
    : (
        await client.odata.get<{ id: number }>('organization', {
          $select: 'id',
          $filter: `handle eq ${odataString(organization.toLowerCase())}`,
        })
      )[0]?.id;
  if (orgId === undefined) throw new CliError(EXIT.notFound, `no organization "${organization}"`);
  // A member is found through the organization's memberships, which its administrators can read.
  const userId = /^\d+$/.test(user)
    ? Number(user)
    : (
        await client.odata.get<{ user: { __id: number } | number }>('organization_membership', {
          $select: 'user',
          $filter: `is_member_of__organization eq ${orgId} and user/username eq ${odataString(user)}`,
        })
      ).map((m) => (typeof m.user === 'number' ? m.user : m.user.__id))[0];
  if (userId === undefined) throw new CliError(EXIT.notFound, `"${user}" is not a member of ${organization}`);
  await client.admin.organizations.removeMember(orgId, userId);
  if (ctx.json) ctx.out.printJson({ organization: orgId, user: userId, removed: true });
  else ctx.out.line(`Removed ${user} from ${organization}.`);
  return undefined;
}
