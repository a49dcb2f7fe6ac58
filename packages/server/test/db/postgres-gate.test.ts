import { describe, expect, it } from 'vitest';
import { postgresEnabled } from '../support/global-setup.js';

/** The gate global-setup.ts runs once per test run: PostgreSQL off is said aloud, and fatal in CI. */
describe('PostgreSQL test gate', () => {
  const url = 'postgres://postgres@127.0.0.1:5432/test';

  it('runs both dialects when MOORING_TEST_DATABASE_URL is set, silently, in CI or not', () => {
    const said: string[] = [];
    expect(postgresEnabled({ MOORING_TEST_DATABASE_URL: url }, (m) => said.push(m))).toBe(true);
    expect(postgresEnabled({ MOORING_TEST_DATABASE_URL: url, CI: 'true' }, (m) => said.push(m))).toBe(true);
    expect(said).toEqual([]);
  });

  it('skips loudly on a workstation without MOORING_TEST_DATABASE_URL', () => {
    const said: string[] = [];
    expect(postgresEnabled({}, (m) => said.push(m))).toBe(false);
    expect(said.join('')).toMatch(/SKIPPING every PostgreSQL test: MOORING_TEST_DATABASE_URL is not set/);
  });

  it.each(['true', '1', 'yes'])('fails instead of skipping when CI=%s', (ci) => {
    expect(() => postgresEnabled({ CI: ci }, () => {})).toThrow(/CI is set/);
  });

  it('treats CI=false and an empty CI as a workstation', () => {
    expect(postgresEnabled({ CI: 'false' }, () => {})).toBe(false);
    expect(postgresEnabled({ CI: '' }, () => {})).toBe(false);
  });
});
