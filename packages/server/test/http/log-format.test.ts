import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { formatLogLine, resolveLogFormat } from '../../src/http/log-format.js';
import { createLogger } from '../../src/http/logger.js';
import { LogCapture } from '../support/log-capture.js';

/** Issue 22 §4: MOORING_LOG_FORMAT=pretty for a terminal, JSON otherwise, redaction either way. */
describe('log format', () => {
  it('is pretty on a terminal and JSON elsewhere unless set', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('auto', undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat(loadConfig({ MOORING_LOG_FORMAT: 'PRETTY' }).logFormat, false)).toBe('pretty');
    expect(() => loadConfig({ MOORING_LOG_FORMAT: 'xml' })).toThrow(
      /MOORING_LOG_FORMAT=xml is invalid: expected one of json, pretty, auto/,
    );
  });

  it('writes one readable line per entry: time, level, message, request, fields, request id', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 15, 12, 0, 1, 234),
      pid: 1,
      hostname: 'h',
      reqId: 'r-1',
      req: { method: 'GET', url: '/ping' },
      res: { statusCode: 200 },
      responseTime: 0.42,
      msg: 'request completed',
      devices: 3,
      note: 'two words',
    });
    expect(formatLogLine(line, false)).toBe(
      '12:00:01.234 INFO  request completed GET /ping 200 0.4ms devices=3 note="two words" [r-1]\n',
    );
    expect(formatLogLine(line, true)).toContain('\x1b[32mINFO \x1b[0m');
    expect(formatLogLine('not json', false)).toBe('not json');
  });

  it('prints an error with its stack below the line', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      msg: 'request failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' },
    });
    expect(formatLogLine(line, false)).toBe(
      '00:00:00.000 ERROR request failed\n    Error: boom\n        at f (x.ts:1:1)\n',
    );
  });

  it('redacts exactly as the JSON format does (it formats what pino already redacted)', () => {
    const out = new LogCapture();
    const logger = createLogger('info', out, 'pretty');
    logger.info(
      {
        password: 'hunter2-hunter2',
        headers: { authorization: 'Bearer secret-token-value' },
        req: { method: 'GET', url: '/v7/device?apikey=mk_u_secretsecret&$top=1', ip: '127.0.0.1' },
      },
      'incoming',
    );
    const text = out.text();
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}incoming GET \/v7\/device\?/);
    expect(text).toContain('password=[REDACTED]');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('secret-token-value');
    expect(text).not.toContain('mk_u_secretsecret');
    expect(text).not.toContain('{"level"');
  });
});
