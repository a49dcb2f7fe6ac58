/**
 * A Mooring cluster on this machine: N server processes on one PostgreSQL database behind HAProxy.
 * Used by `npm run cluster` (demos, the soak script) and by the cluster integration test.
 *
 * Nothing here is a mock: the servers are real `main.ts` processes, PostgreSQL is a throwaway
 * cluster of its own (scripts/pg-throwaway.sh) that can be stopped, restarted and frozen without
 * touching any other database, and HAProxy is Debian's.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PG_SCRIPT = join(ROOT, 'scripts/pg-throwaway.sh');
const MAIN = join(ROOT, 'packages/server/src/main.ts');

export interface ClusterOptions {
  readonly instances: number;
  /** HAProxy's port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number;
  /** Use this database instead of starting a throwaway PostgreSQL cluster. */
  readonly databaseUrl?: string;
  readonly adminPassword?: string;
  /** Extra environment for every instance (timeouts, log level…). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where instance output goes; by default into files in the cluster's directory. */
  readonly inheritOutput?: boolean;
}

export interface Instance {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Set when the process has exited (code or signal). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** The throwaway PostgreSQL server, with the operations an operator's bad day consists of. */
export interface ThrowawayPostgres {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  /** `pg_ctl stop -m fast`: what a minor upgrade, failover or restart does to connections. */
  stop(): void;
  start(): void;
  /** SIGSTOP to every server process: a frozen database that accepts TCP but never answers. */
  freeze(): void;
  thaw(): void;
  /** Runs SQL through psql as the superuser. */
  sql(statement: string): string;
  destroy(): void;
}

export interface Cluster {
  /** The load balancer's URL. */
  readonly url: string;
  readonly haproxyPort: number;
  readonly instances: readonly Instance[];
  readonly postgres: ThrowawayPostgres | undefined;
  readonly databaseUrl: string;
  readonly adminPassword: string;
  readonly dir: string;
  /** Stops HAProxy, every instance (SIGTERM, then SIGKILL after 5 s) and the throwaway database. */
  stop(): Promise<void>;
}

const pgBin = (): string => {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(a) - Number(b)) : [];
  const latest = versions.at(-1);
  if (!latest) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  return join(base, latest, 'bin');
};

function asPostgres(command: string, args: string[]): string {
  const root = process.getuid?.() === 0;
  return execFileSync(root ? 'runuser' : command, root ? ['-u', 'postgres', '--', command, ...args] : args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function startThrowawayPostgres(): ThrowawayPostgres {
  const dir = execFileSync(PG_SCRIPT, ['start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const port = Number(readFileSync(join(dir, 'port'), 'utf8').trim());
  const bin = pgBin();
  const data = join(dir, 'data');
  const pids = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  return {
    dir,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => void asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    start: () =>
      void asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-o',
        options,
        'start',
      ]),
    freeze: () => {
      for (const pid of pids()) process.kill(pid, 'SIGSTOP');
    },
    thaw: () => {
      for (const pid of pids()) process.kill(pid, 'SIGCONT');
    },
    sql: (statement) =>
      execFileSync(
        join(bin, 'psql'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Atc', statement],
        {
          encoding: 'utf8',
        },
      ),
    destroy: () => void execFileSync(PG_SCRIPT, ['stop', dir], { stdio: 'ignore' }),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when GET url answers 200, or rejects after `timeoutMs`. */
export async function waitHealthy(url: string, timeoutMs = 30_000, exited?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited?.()) throw new Error(`${url}: the process exited before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function haproxyConfig(port: number, instances: readonly { port: number }[], statsPort: number): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // Keep-alive to the servers; a request a server could not take goes to another one.
    '  option redispatch',
    '  retries 2',
    'frontend mooring',
    `  bind 127.0.0.1:${port}`,
    '  default_backend servers',
    'backend servers',
    '  balance roundrobin',
    // /readyz answers 503 while an instance cannot reach the database or is shutting down.
    '  option httpchk GET /readyz',
    '  default-server inter 500ms fall 2 rise 1',
    ...instances.map((s, i) => `  server m${i + 1} 127.0.0.1:${s.port} check`),
    'listen stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /',
    '',
  ].join('\n');
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (options.instances < 1 || options.instances > 16) throw new Error('--instances must be 1–16');
  const dir = mkdtempSync(join(tmpdir(), 'mooring-cluster-'));
  const postgres = options.databaseUrl ? undefined : startThrowawayPostgres();
  const databaseUrl = options.databaseUrl ?? (postgres as ThrowawayPostgres).url;
  const adminPassword = options.adminPassword ?? randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('hex');
  const instances: Instance[] = [];
  let haproxy: ChildProcess | undefined;

  const stop = async (): Promise<void> => {
    haproxy?.kill('SIGTERM');
    await Promise.all(instances.map((instance) => stopInstance(instance)));
    postgres?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const spawnInstance = async (index: number): Promise<Instance> => {
      const port = await freePort();
      const logFile = join(dir, `instance-${index + 1}.log`);
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
        cwd: ROOT,
        env: {
          ...process.env,
          MOORING_DATABASE_URL: databaseUrl,
          MOORING_SECRET: secret,
          MOORING_ADMIN_PASSWORD: adminPassword,
          MOORING_HOST: '127.0.0.1',
          MOORING_PORT: String(port),
          MOORING_LOG_LEVEL: 'warn',
          MOORING_LOG_FORMAT: 'json',
          MOORING_DATA_DIR: join(dir, `data-${index + 1}`),
          ...options.env,
        },
        stdio: options.inheritOutput ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      });
      if (!options.inheritOutput) {
        const append = (chunk: Buffer): void => writeFileSync(logFile, chunk, { flag: 'a' });
        child.stdout?.on('data', append);
        child.stderr?.on('data', append);
      }
      const instance: Instance = {
        index,
        port,
        url: `http://127.0.0.1:${port}`,
        process: child,
        logFile,
        exit: undefined,
      };
      child.once('exit', (code, signal) => {
        instance.exit = { code, signal };
      });
      instances.push(instance);
      await waitHealthy(`${instance.url}/ping`, 60_000, () => instance.exit !== undefined);
      return instance;
    };
    // The first instance migrates and creates the administrator; the others then start together.
    await spawnInstance(0);
    await Promise.all(Array.from({ length: options.instances - 1 }, (_, i) => spawnInstance(i + 1)));

    const haproxyPort = options.port || (await freePort());
    const statsPort = await freePort();
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(haproxyPort, instances, statsPort));
    haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy.stderr?.on('data', (chunk: Buffer) =>
      writeFileSync(join(dir, 'haproxy.log'), chunk, { flag: 'a' }),
    );
    const url = `http://127.0.0.1:${haproxyPort}`;
    await waitHealthy(`${url}/ping`, 15_000, () => haproxy?.exitCode !== null);
    return { url, haproxyPort, instances, postgres, databaseUrl, adminPassword, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function stopInstance(instance: Instance): Promise<void> {
  if (instance.exit) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => instance.process.kill('SIGKILL'), 5000);
    instance.process.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    instance.process.kill('SIGTERM');
  });
}

/** Resident memory of a process in bytes (Linux /proc), or undefined once it has exited. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
