import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';
import { prettyDestination } from './log-format.js';
import { redactUrl } from './redact.js';

/**
 * The process logger. Requests are logged by method, redacted URL and request id only: headers are
 * never serialised (Authorization, Cookie, Signature), and bodies never (passwords).
 */
export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  /** `pretty`: human-readable lines (http/log-format.ts), written after redaction like JSON ones. */
  format: 'json' | 'pretty' = 'json',
): Logger {
  const target =
    format === 'pretty'
      ? prettyDestination(
          (destination as NodeJS.WritableStream | undefined) ?? process.stdout,
          destination === undefined && process.stdout.isTTY === true,
        )
      : destination;
  return pino(
    {
      level,
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'apikey',
          '*.apikey',
          'key',
          '*.key',
          'secret',
          '*.secret',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[REDACTED]',
      },
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.ip,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    target,
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Write = (...args: unknown[]) => void;

/**
 * Fastify's `childLoggerFactory`: the per-request logger (bound to `reqId`) is created on the first
 * line actually written. pino's `child()` with our redaction paths costs several µs, paid by every
 * request although at `warn` almost none of them logs anything (docs/benchmarks.md). One small
 * object per request, its methods on the prototype.
 */
export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  const logger = new LazyLogger(parent, bindings, options);
  // A route with its own log level: the level check needs the real child.
  if (options.level !== undefined && options.level !== parent.level) logger.child();
  return logger as unknown as FastifyBaseLogger;
}

class LazyLogger {
  private real: FastifyBaseLogger | undefined = undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.child().level = level;
  }

  /** With arguments, a grandchild (Fastify's API); without, the real per-request child. */
  child(more?: Bindings, moreOptions?: ChildLoggerOptions): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return more === undefined ? this.real : this.real.child(more, moreOptions);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  private write(level: Level, args: unknown[]): void {
    const current = this.real ?? this.parent;
    const check = (current as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled;
    if (check !== undefined && !check.call(current, level)) return;
    const target = this.child();
    (target[level] as Write).apply(target, args);
  }
}
