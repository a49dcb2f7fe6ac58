import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * An error the CLI reports as one line on stderr with a specific exit status. Everything the user can
 * cause (bad input, refused credentials, unreachable servers) ends up as one of these.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Bad arguments: exit status 2. */
export function usageError(message: string): CliError {
  return new CliError(EXIT.usage, message);
}
