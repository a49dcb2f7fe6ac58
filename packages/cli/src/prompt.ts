import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';

/** The terminal, or a pipe: `isTTY` and `setRawMode` exist only on a terminal. */
export interface Input extends Readable {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * A secret from the terminal without echo, or the first line of piped stdin (for scripts:
 * `printf '%s\n' "$PASSWORD" | mooring login --username admin`). Never from the command line, where
 * other users could read it in the process list.
 */
export async function readSecret(input: Input, prompt: Writable, question: string): Promise<string> {
  const secret =
    input.isTTY && input.setRawMode ? await readHidden(input, prompt, question) : await readLine(input);
  if (secret === undefined) throw usageError('no password given: stdin ended before a line was read');
  if (secret === '') throw usageError('the password is empty');
  return secret;
}

/** A visible answer (a user name): from the terminal, or the next piped line. */
export async function readAnswer(
  input: Input,
  prompt: Writable,
  question: string,
): Promise<string | undefined> {
  if (input.isTTY) prompt.write(question);
  return readLine(input);
}

/** One line; `undefined` when the stream ends first. A trailing `\r` (Windows pipes) is dropped. */
export function readLine(input: Readable): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      input.pause();
      resolve(line.replace(/\r$/, ''));
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

function readHidden(input: Input, prompt: Writable, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo goes off before the prompt appears: whatever is typed after it is never shown.
    input.setRawMode?.(true);
    prompt.write(question);
    input.resume();
    let value = '';
    const finish = (error?: CliError): void => {
      input.setRawMode?.(false);
      input.pause();
      input.off('data', onData);
      prompt.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          return;
        }
        if (char === '\u0003') {
          finish(new CliError(EXIT.usage, 'cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * Destructive commands ask on a terminal; without one they need `--yes`, so that a script never
 * deletes something because a prompt went unanswered.
 */
export async function confirm(
  input: Input,
  prompt: Writable,
  question: string,
  yes: boolean | undefined,
): Promise<void> {
  if (yes) return;
  if (!input.isTTY)
    throw usageError(`${question.replace(/\?$/, '')}: add --yes to confirm (stdin is not a terminal)`);
  prompt.write(`${question} [y/N] `);
  const answer = (await readLine(input))?.trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new CliError(EXIT.no, 'cancelled');
}
