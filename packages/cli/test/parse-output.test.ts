import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { formatTime, renderTable } from '../src/output.js';
import { parseDeviceRef, parseDuration, parseExpiry, parseFleetRef } from '../src/parse.js';
import { readLine } from '../src/prompt.js';
import { parseApiUrl } from '../src/target.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('argument parsing', () => {
  it('durations: plain seconds and s/m/h/d/w units', () => {
    expect(parseDuration('90', '--t')).toBe(90);
    expect(parseDuration('5m', '--t')).toBe(300);
    expect(parseDuration('2H', '--t')).toBe(7200);
    expect(parseDuration('7d', '--t')).toBe(604_800);
    expect(parseDuration('1w', '--t')).toBe(604_800);
    expect(usage(() => parseDuration('soon', '--timeout'))).toBe(
      '--timeout "soon" is not a duration: expected a number with s, m, h, d or w (e.g. 30s, 5m, 2h)',
    );
    expect(() => parseDuration('-1s', '--t')).toThrow(CliError);
  });

  it('expiry: dates are UTC midnight, durations count from now, the past is refused', () => {
    expect(parseExpiry('2027-01-31', NOW)).toBe('2027-01-31T00:00:00.000Z');
    expect(parseExpiry('2027-01-31T12:30:00+02:00', NOW)).toBe('2027-01-31T10:30:00.000Z');
    expect(parseExpiry('90d', NOW)).toBe(new Date(NOW + 90 * 86_400_000).toISOString());
    expect(usage(() => parseExpiry('2020-01-01', NOW))).toBe('--expires "2020-01-01" is in the past');
    expect(usage(() => parseExpiry('next tuesday', NOW))).toContain('is not a date or duration');
    expect(usage(() => parseExpiry('2027-02-30x', NOW))).toContain('is not a date or duration');
  });

  it('fleet and device references', () => {
    expect(parseFleetRef('12')).toBe(12);
    expect(parseFleetRef('admin/thermostats')).toBe('admin/thermostats');
    expect(parseDeviceRef('42')).toEqual({ id: 42 });
    expect(parseDeviceRef('ABCDEF0123456789abcdef0123456789')).toEqual({
      uuid: 'abcdef0123456789abcdef0123456789',
    });
    expect(parseDeviceRef('abcdef01')).toEqual({ uuidPrefix: 'abcdef01' });
    // Seven to ten decimal digits may be an id or the start of a UUID: both are looked up.
    expect(parseDeviceRef('8330795')).toEqual({ idOrUuidPrefix: { id: 8330795, prefix: '8330795' } });
    expect(usage(() => parseDeviceRef('abc'))).toContain('is not a device UUID or id');
    expect(usage(() => parseDeviceRef("x' or 1 eq 1"))).toContain('is not a device UUID or id');
  });

  it('API URLs are normalised, and anything but http(s) without credentials is refused', () => {
    expect(parseApiUrl('http://127.0.0.1:8080/', '--api-url')).toBe('http://127.0.0.1:8080');
    expect(parseApiUrl(' https://Mooring.Example.com/api// ', '--api-url')).toBe(
      'https://mooring.example.com/api',
    );
    expect(usage(() => parseApiUrl('file:///etc/passwd', '--api-url'))).toContain(
      'must start with http:// or https://',
    );
    expect(usage(() => parseApiUrl('http://u:p@h', 'MOORING_API_URL'))).toContain(
      'must not contain a user name or password',
    );
  });
});

describe('output', () => {
  it('aligns columns, right-aligns numbers, and strips control characters from server text', () => {
    const text = renderTable(
      [
        { id: 7, name: 'grafana' },
        { id: 12, name: 'evil\u001b[2Jname' },
      ],
      [
        { header: 'ID', value: (r) => String(r.id), align: 'right' },
        { header: 'NAME', value: (r) => r.name },
      ],
    );
    expect(text).toBe('ID  NAME\n 7  grafana\n12  evil [2Jname\n');
  });

  it('times are UTC and unambiguous; missing ones are a dash or a word', () => {
    expect(formatTime('2026-01-15T12:00:00.123Z')).toBe('2026-01-15 12:00:00Z');
    expect(formatTime(null, 'never')).toBe('never');
    expect(formatTime(undefined)).toBe('-');
  });
});

describe('reading a piped line', () => {
  it('takes the first line without its newline (and a Windows \\r), or undefined at end of input', async () => {
    const input = new PassThrough();
    input.end('s3cret pass\r\nsecond line\n');
    expect(await readLine(input)).toBe('s3cret pass');
    const empty = new PassThrough();
    empty.end('');
    expect(await readLine(empty)).toBeUndefined();
  });
});
