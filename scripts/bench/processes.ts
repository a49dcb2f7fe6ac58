/**
 * Child processes of the HTTP benchmark (Mooring and the bare Fastify ceiling): start, wait until
 * listening (timed), sample RSS from /proc, stop cleanly so `--cpu-prof` profiles get written.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  /** Milliseconds from spawn to the "listening" line on stdout. */
  readonly startupMs: number;
  /** `performance.now()` at spawn. */
  readonly spawnedAt: number;
  /** Everything the child wrote to stderr so far (warnings at warn level, crash reasons). */
  stderr(): string;
  /** Current resident set size in bytes (Linux /proc), or undefined when unavailable. */
  rss(): number | undefined;
  /** User + system CPU time consumed so far, in ms (Linux /proc), or undefined when unavailable. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** The stdout line announcing readiness; group 1 is the base URL. */
  readonly ready: RegExp;
  readonly timeoutMs?: number;
}

export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) + stime (15)
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

export function startServer(options: StartOptions): Promise<ServerProcess> {
  const [bin, ...args] = options.command;
  if (!bin) throw new TypeError('empty command');
  const started = performance.now();
  const child = spawn(bin, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 30_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const early = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited early (${signal ?? code}): ${stderr.slice(-2000)}`));
    };
    child.once('exit', early);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = options.ready.exec(stdout);
      if (!match?.[1]) return;
      const startupMs = performance.now() - started;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({
        name: options.name,
        child,
        url: match[1],
        startupMs,
        spawnedAt: started,
        stderr: () => stderr,
        rss: () => rssOf(child.pid),
        cpuMs: () => cpuMsOf(child.pid),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak. */
export function rssSampler(server: ServerProcess, intervalMs = 200): { stop(): number | undefined } {
  let peak: number | undefined;
  const sample = (): void => {
    const rss = server.rss();
    if (rss !== undefined && (peak === undefined || rss > peak)) peak = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export interface MooringOptions {
  readonly dataDir: string;
  readonly secret: string;
  readonly name?: string;
  /** Settings on top of the benchmark defaults (a MOORING_DATABASE_URL selects PostgreSQL). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags before the entry point (`--cpu-prof`, …). */
  readonly nodeArgs?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * Mooring as in production: the built server, warn-level logs, an ephemeral loopback port, and the
 * rate limits off (a benchmark's one key sends far more than the per-credential budget, which would
 * answer 429s: the request path is measured, not the limiter).
 */
export function startMooring(options: MooringOptions): Promise<ServerProcess> {
  return startServer({
    name: options.name ?? 'mooring',
    command: [process.execPath, ...(options.nodeArgs ?? []), 'packages/server/dist/main.js'],
    cwd: ROOT,
    env: {
      NODE_ENV: 'production',
      MOORING_LOG_LEVEL: 'warn',
      MOORING_DATA_DIR: options.dataDir,
      MOORING_SECRET: options.secret,
      MOORING_HOST: '127.0.0.1',
      MOORING_PORT: '0',
      MOORING_RATE_LIMIT_PER_CREDENTIAL: '0',
      MOORING_RATE_LIMIT_PER_IP: '0',
      ...options.env,
    },
    ready: /listening on (http:\/\/[^\s]+)/,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
