/**
 * PostgreSQL for the benchmarks: a database of its own per run on a given server
 * (MOORING_BENCH_DATABASE_URL or a flag), or a throwaway cluster started with scripts/pg-throwaway.sh
 * and stopped at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchPostgres {
  /** A fresh, empty database. */
  readonly url: string;
  /** Drops the database and stops the cluster if this process started it. */
  close(): Promise<void>;
}

/** `serverUrl`: an existing server's admin URL, or undefined to start a throwaway cluster. */
export async function benchPostgres(root: string, serverUrl: string | undefined): Promise<BenchPostgres> {
  let cluster: string | undefined;
  let admin = serverUrl;
  if (admin === undefined) {
    const script = join(root, 'scripts/pg-throwaway.sh');
    cluster = execFileSync(script, ['start'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    admin = `postgres://postgres@127.0.0.1:${readFileSync(join(cluster, 'port'), 'utf8').trim()}/postgres`;
  }
  const name = `mooring_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    close: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      if (cluster)
        execFileSync(join(root, 'scripts/pg-throwaway.sh'), ['stop', cluster], { stdio: 'inherit' });
    },
  };
}
