import type { DestinationStream } from 'pino';
import type { LogFormat } from '../config/config.js';

/*
 * MOORING_LOG_FORMAT=pretty: pino's JSON lines rewritten for a person at a terminal. A few dozen
 * lines rather than pino-pretty (13 dependencies, a worker thread). It formats lines pino has already
 * written, so redaction and the request serializer (http/logger.ts, http/redact.ts) apply exactly as
 * for JSON: this module never sees a value they removed.
 */

/** `auto` is pretty for a terminal, JSON for files, pipes and log collectors. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean | undefined): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY === true ? 'pretty' : 'json') : format;
}

const LEVELS: Readonly<Record<number, readonly [string, string]>> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, or that the layout shows in its own place. */
const SHOWN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'err',
  'req',
  'res',
  'reqId',
  'responseTime',
]);

/**
 * One JSON log line as `12:00:01.234 INFO  msg  GET /path 200 0.4ms  key=value … [reqId]`, with the
 * error's stack on the following lines. Anything that is not a JSON object is returned unchanged.
 */
export function formatLogLine(line: string, colors: boolean): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return line;
    entry = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const paint = (code: string, text: string): string => (colors ? `${code}${text}${RESET}` : text);
  const [label, color] = LEVELS[Number(entry.level)] ?? ['?    ', ''];
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const parts = [paint(DIM, time), paint(color, label), String(entry.msg ?? '')];
  const req = entry.req as { method?: unknown; url?: unknown } | undefined;
  if (req && typeof req === 'object') parts.push(`${String(req.method ?? '')} ${String(req.url ?? '')}`);
  const res = entry.res as { statusCode?: unknown } | undefined;
  if (res && typeof res === 'object' && res.statusCode !== undefined) parts.push(String(res.statusCode));
  if (typeof entry.responseTime === 'number') parts.push(`${entry.responseTime.toFixed(1)}ms`);
  for (const [key, value] of Object.entries(entry)) {
    if (SHOWN.has(key) || value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  }
  if (typeof entry.reqId === 'string') parts.push(paint(DIM, `[${entry.reqId}]`));
  let text = parts.filter((p) => p !== '').join(' ');
  const err = entry.err as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') {
    const stack =
      typeof err.stack === 'string'
        ? err.stack
        : `${String(err.type ?? 'Error')}: ${String(err.message ?? '')}`;
    text += `\n${stack.replace(/^/gm, '    ')}`;
  }
  return `${text}\n`;
}

/** A pino destination that writes each line through {@link formatLogLine}. */
export function prettyDestination(out: NodeJS.WritableStream, colors: boolean): DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line !== '') out.write(formatLogLine(line, colors));
    },
  };
}
