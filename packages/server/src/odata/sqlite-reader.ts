import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { DEADLINE_FUNCTION } from './compiler/scope.js';

/** What a guarded SQLite read returns: the JSON text of a wrapped plan, or array rows. */
export type ReaderResult = { readonly json: string } | { readonly rows: readonly (readonly unknown[])[] };

/** Why a guarded read did not answer: its deadline, its answer's size, or a failure. */
export type StopReason = 'timeout' | 'too-large' | 'failed';

export class ReadStopped extends Error {
  override readonly name = 'ReadStopped';
  constructor(readonly reason: StopReason) {
    super(`guarded read stopped: ${reason}`);
  }
}

/**
 * About the size of an answer in bytes (string lengths, 8 per other value), computed before the
 * main thread parses or serializes it: the bound on that work is the bound on the answer.
 */
export function answerSize(rows: readonly (readonly unknown[])[]): number {
  let size = 0;
  for (const row of rows) for (const cell of row) size += typeof cell === 'string' ? cell.length : 8;
  return size;
}

/**
 * Checks the deadline every 128 rows: a `Date.now()` per row would cost more than the row itself.
 * The worker has the same lines in JavaScript (WORKER_SOURCE); {@link installDeadline} is the main
 * connection's copy.
 */
const DEADLINE_SOURCE = `
  let deadline = Infinity;
  let ticks = 0;
  const tick = () => {
    if ((++ticks & 127) === 0 && Date.now() > deadline) throw new Error('mooring: read deadline');
    return 1;
  };
  const within = (ms, run) => {
    deadline = Date.now() + ms;
    ticks = 0;
    try { return run(); } finally { deadline = Infinity; }
  };
`;

/** Runs `run` under a deadline: a guarded plan's statement inside it throws once `ms` have passed. */
export type Within = <T>(ms: number, run: () => T) => T;

const installed = new WeakMap<SQLite.Database, Within>();

/**
 * The deadline function of a connection, registered on first use (a guarded plan cannot even be
 * prepared without it; plan-cache.ts asks first): once per connection, so every user of it shares
 * one deadline.
 */
export function deadlineFor(db: SQLite.Database): Within {
  let within = installed.get(db);
  if (within === undefined) {
    within = installDeadline(db);
    installed.set(db, within);
  }
  return within;
}

function installDeadline(db: SQLite.Database): Within {
  let deadline = Number.POSITIVE_INFINITY;
  let ticks = 0;
  db.function(DEADLINE_FUNCTION, { deterministic: false }, () => {
    if ((++ticks & 127) === 0 && Date.now() > deadline) throw new Error('mooring: read deadline');
    return 1;
  });
  return <T>(ms: number, run: () => T): T => {
    deadline = Date.now() + ms;
    ticks = 0;
    try {
      return run();
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
  };
}

/**
 * The worker: its own read-only connection to the same file (WAL lets it read while the main
 * connection writes), the connection settings the compiled SQL relies on, and one read at a time.
 * Plain JavaScript evaluated by `new Worker(…, { eval: true })`, so it runs the same from sources
 * under the test runner and from the build.
 */
const WORKER_SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  // On Linux a nice value belongs to the thread: a long guarded read yields the CPU to the event
  // loop (elsewhere setpriority would renice the whole process, so it is left alone).
  if (process.platform === 'linux') require('node:os').setPriority(workerData.nice);
  const Database = require(workerData.driver);
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('case_sensitive_like = ON');
  ${DEADLINE_SOURCE}
  db.function(workerData.fn, { deterministic: false }, tick);
  const statements = new Map();
  const prepare = (text, json) => {
    const key = (json ? 'j' : 'r') + text;
    let s = statements.get(key);
    if (s === undefined) {
      s = db.prepare(text);
      if (json) s.pluck(true); else s.raw(true);
      if (statements.size >= 200) statements.delete(statements.keys().next().value);
      statements.set(key, s);
    }
    return s;
  };
  const sizeOf = (rows) => {
    let size = 0;
    for (const row of rows) for (const cell of row) size += typeof cell === 'string' ? cell.length : 8;
    return size;
  };
  parentPort.on('message', (m) => {
    const started = Date.now();
    try {
      const s = prepare(m.sql, m.json);
      const result = within(m.timeoutMs, () => (m.json ? s.get(...m.values) : s.all(...m.values)));
      const size = m.json ? String(result).length : sizeOf(result);
      if (size > m.maxBytes) parentPort.postMessage({ id: m.id, stopped: 'too-large' });
      else parentPort.postMessage({ id: m.id, result });
    } catch (e) {
      parentPort.postMessage({ id: m.id, stopped: Date.now() - started >= m.timeoutMs ? 'timeout' : 'failed' });
    }
  });
`;

interface Pending {
  readonly resolve: (result: ReaderResult) => void;
  readonly reject: (error: Error) => void;
  readonly json: boolean;
  readonly timer: NodeJS.Timeout;
}

interface WorkerReply {
  readonly id: number;
  readonly result?: unknown;
  readonly stopped?: StopReason;
}

/**
 * Runs guarded SQLite reads on a worker thread, off the event loop that serves every other request.
 * The deadline function stops a runaway statement inside the worker, which frees its core too; if
 * the worker still has not answered a second after the deadline it is terminated and replaced.
 */
export class SqliteReader {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** `nice`: the worker thread's Linux nice value (0 normal, 19 lowest). */
  constructor(
    private readonly file: string,
    private readonly nice = 10,
  ) {}

  /** `json`: the statement returns the whole answer as one JSON text (a wrapped plan). */
  read(
    sql: string,
    values: readonly unknown[],
    json: boolean,
    limits: { readonly timeoutMs: number; readonly maxBytes: number },
  ): Promise<ReaderResult> {
    const { timeoutMs, maxBytes } = limits;
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise<ReaderResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The deadline function did not get a chance to run (a single huge sort, say).
        this.pending.delete(id);
        reject(new ReadStopped('timeout'));
        this.stop();
      }, timeoutMs + 1000);
      this.pending.set(id, { resolve, reject, json, timer });
      worker.postMessage({ id, sql, values, json, timeoutMs, maxBytes });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll();
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        fn: DEADLINE_FUNCTION,
        nice: this.nice,
      },
    });
    // An idle worker must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', () => this.stop(worker));
    worker.on('exit', () => this.stop(worker));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.stopped !== undefined) {
      pending.reject(new ReadStopped(reply.stopped));
    } else if (pending.json) {
      pending.resolve({ json: reply.result as string });
    } else {
      pending.resolve({ rows: reply.result as unknown[][] });
    }
  }

  /** Drops the (current) worker and fails whatever it still owed. */
  private stop(which: Worker | null = this.worker): void {
    if (which === null || which !== this.worker) return;
    this.worker = null;
    this.failAll();
    void which.terminate();
  }

  private failAll(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new ReadStopped('failed'));
    }
  }
}
