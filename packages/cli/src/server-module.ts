import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';

/**
 * Loads a module of `@mooring/server` for the commands that run on the server's machine (`serve`,
 * `db migrate`, `admin`, `simulate`). The server is an optional peer dependency: the packed CLI carries
 * only the client side, so a missing server is a clear usage error, not a stack trace.
 */
export async function loadServerModule<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingServer(error)) {
      throw new CliError(
        EXIT.usage,
        `\`mooring ${command}\` needs the Mooring server, which this installation does not include; ` +
          `run it from a Mooring checkout (npm ci && npm run build && npx mooring ${command})`,
      );
    }
    throw error;
  }
}

/** Only the server package itself missing; a missing dependency of an installed server propagates. */
function isMissingServer(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
    error.message.includes("'@mooring/server'")
  );
}
