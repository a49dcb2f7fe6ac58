import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import pino, { type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';
import { redactUrl } from './redact.js';

/**
 * The process logger. Requests are logged by method, redacted URL and request id only: headers are
 * never serialised (Authorization, Cookie, Signature), and bodies never (passwords).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
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
    destination,
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Write = (...args: unknown[]) => void;

/**
 * Fastify's `childLoggerFactory`: the per-request logger (bound to `reqId`) is created on the first
 * line actually written. pino's `child()` with our redaction paths costs several µs, paid by every
 * request although at `warn` almost none of them logs anything (docs/benchmarks.md).
 */
export function lazyRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  let real: FastifyBaseLogger | undefined;
  const child = (): FastifyBaseLogger => {
    real ??= parent.child(bindings, options);
    return real;
  };
  // A route with its own log level: the level check below needs the real child.
  if (options.level !== undefined && options.level !== parent.level) child();
  const enabled = (level: Level): boolean => {
    const logger = real ?? parent;
    const check = (logger as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled;
    return check === undefined || check.call(logger, level);
  };
  const method =
    (level: Level): Write =>
    (...args) => {
      if (!enabled(level)) return;
      const target = child();
      (target[level] as Write).apply(target, args);
    };
  return {
    get level() {
      return real?.level ?? options.level ?? parent.level;
    },
    set level(level: string) {
      child().level = level;
    },
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    silent: () => undefined,
    child: (more, moreOptions) => child().child(more, moreOptions),
  };
}
