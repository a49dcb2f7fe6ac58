import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A real `node packages/server/src/main.ts` process (through tsx: no build step needed). */
export interface ServerProcess {
  /** The URL from the "Mooring is listening on <url>" line. */
  readonly url: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (waiting for it up to `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export interface ExitedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment of a spawned server: PATH and HOME from the test, nothing else inherited. */
function serverEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    MOORING_HOST: '127.0.0.1',
    MOORING_PORT: '0',
    MOORING_LOG_LEVEL: 'warn',
    ...env,
  };
}

function spawnServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: serverEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts the server and resolves once it prints where it listens (MOORING_PORT=0 picks a free port;
 * the line carries the real one). Rejects, with the output, if the process exits first.
 */
export function startServerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawnServer(env);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    const onData = (): void => {
      const match = /Mooring is listening on (http:\/\/\S+)/.exec(out);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        url: match[1],
        stdout: () => out,
        stderr: () => err,
        waitFor: async (pattern, waitMs = 5_000) => {
          const until = Date.now() + waitMs;
          for (;;) {
            const found = pattern.exec(out);
            if (found) return found;
            if (Date.now() > until) throw new Error(`no ${pattern} in the server's output:\n${out}\n${err}`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
}

/** Runs the server expecting it to stop by itself (a failed start); resolves with its output. */
export function runServerToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<ExitedProcess> {
  const child = spawnServer(env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
