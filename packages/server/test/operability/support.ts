import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const SCRIPT = `${ROOT}scripts/pg-throwaway.sh`;

/** The newest PostgreSQL server binaries on this machine, or undefined. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(`${base}/${v}/bin/pg_ctl`))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : `${base}/${newest}/bin`;
}

/**
 * Whether the outage tests can run. They stop, restart and freeze a cluster of their own, so they
 * need the server binaries; CI installs them, so there a missing binary is a failure, not a skip.
 */
export function canRunOutageTests(): boolean {
  if (postgresBin() !== undefined || process.env.CI) return true;
  console.warn(
    'SKIPPED: database outage tests need PostgreSQL server binaries (/usr/lib/postgresql/*/bin); install postgresql to run them',
  );
  return false;
}

const asPostgres = (args: string[]): string[] =>
  process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : args;

/** A PostgreSQL cluster of this test file only (scripts/pg-throwaway.sh): stopped, started, frozen at will. */
export class ThrowawayCluster {
  private frozen: number[] = [];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static start(): ThrowawayCluster {
    const dir = execFileSync(SCRIPT, ['start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const port = Number(readFileSync(`${dir}/port`, 'utf8').trim());
    const bin = postgresBin();
    if (!bin) throw new Error('pg-throwaway.sh started a cluster but no pg_ctl was found');
    return new ThrowawayCluster(dir, port, bin);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** What a minor upgrade or failover does: disconnects every session, then shuts down. */
  stopFast(): void {
    this.pgCtl(['-m', 'fast', 'stop']);
  }

  restart(): void {
    this.pgCtl([
      '-l',
      `${this.dir}/server.log`,
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  }

  /**
   * SIGSTOP the postmaster and every backend: the server accepts TCP (the kernel does) and says
   * nothing. The postmaster stops first, so it forks no backend after the children are listed; the
   * listing repeats until it finds no child left running (one forked just before the stop).
   */
  freeze(): number[] {
    const postmaster = Number(readFileSync(`${this.dir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster];
    for (let pass = 0; pass < 10; pass++) {
      const fresh = this.children(postmaster).filter((pid) => !this.frozen.includes(pid));
      if (fresh.length === 0) return this.frozen;
      for (const pid of fresh) process.kill(pid, 'SIGSTOP');
      this.frozen.push(...fresh);
    }
    throw new Error('the PostgreSQL server kept starting processes while being frozen');
  }

  private children(parent: number): number[] {
    try {
      return execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map(Number);
    } catch {
      return []; // pgrep exits 1 when nothing matches
    }
  }

  thaw(): void {
    for (const pid of this.frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone meanwhile: nothing to wake.
      }
    }
    this.frozen = [];
  }

  destroy(): void {
    this.thaw();
    execFileSync(SCRIPT, ['stop', this.dir], { stdio: 'ignore' });
  }

  private pgCtl(args: string[]): void {
    const [command, ...rest] = asPostgres([`${this.bin}/pg_ctl`, '-D', `${this.dir}/data`, '-w', ...args]);
    execFileSync(command as string, rest, { stdio: 'ignore', timeout: 30_000 });
  }
}

/** A real `node --import tsx packages/server/src/main.ts` process. */
export class ServerProcess {
  private out = '';
  private err = '';
  exit: { code: number | null; signal: string | null } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        MOORING_HOST: '127.0.0.1',
        MOORING_PORT: '0',
        MOORING_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line within ${timeoutMs} ms:\n${out}\n${err}`)),
        timeoutMs,
      );
      const check = (): void => {
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`));
      });
    });
    const server = new ServerProcess(child, url);
    server.out = out;
    server.err = err;
    child.stdout?.on('data', (chunk: string) => {
      server.out += chunk;
    });
    child.stderr?.on('data', (chunk: string) => {
      server.err += chunk;
    });
    child.once('exit', (code, signal) => {
      server.exit = { code, signal };
    });
    return server;
  }

  get alive(): boolean {
    return this.exit === undefined && this.child.exitCode === null;
  }

  /** Everything the process wrote (its log lines are on stdout, fatal messages on stderr). */
  output(): string {
    return `${this.out}\n${this.err}`;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly ms: number;
  readonly body: string;
}

/** One request, bounded: a hang shows up as status 0 after `timeoutMs`, never as a stuck test. */
export async function ask(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
    const body = await res.text();
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      ms: performance.now() - started,
      body,
    };
  } catch (error) {
    return { status: 0, retryAfter: null, ms: performance.now() - started, body: String(error) };
  }
}

/** Repeats `attempt` until `done` says so or `limitMs` passes; returns the last answer and when. */
export async function until<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  limitMs: number,
  pauseMs = 50,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await attempt();
    const ms = performance.now() - started;
    if (done(value) || ms > limitMs) return { value, ms };
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
