import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '@mooring/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../support/fleet-fixtures.js';
import { scanForSecrets } from '../support/secret-scan.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';

/*
 * The suite-wide check itself runs in vitest's globalTeardown (test/support/global-setup.ts) over
 * everything every test file logged. These tests show that the scanner finds what it must and
 * that the recording is live in this very run.
 */
describe('secret scan of captured logs', () => {
  const secrets = (dir: string, entries: { kind: string; value: string }[]) =>
    writeFileSync(join(dir, 'secrets-1.txt'), entries.map((e) => JSON.stringify(e)).join('\n'));

  it('finds recorded secrets, passwords with spaces, valid keys and JWTs, and nothing in clean logs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    const key = generateApiKey('user').key;
    const unrecordedKey = generateApiKey('device').key;
    const hmac = 'eHuJDGHf4Hes2SPfT6SeFkfmTWGKYvMREBOm9UORwPE';
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MSwianRpIjoiYWJjIn0.${'s'.repeat(43)}`;
    secrets(dir, [
      { kind: 'api-key', value: key },
      { kind: 'signing-secret', value: hmac },
      { kind: 'password', value: 'correct horse battery staple' },
    ]);
    writeFileSync(
      join(dir, 'logs-1.txt'),
      [
        '{"level":30,"msg":"request completed","url":"/v7/device?apikey=[REDACTED]"}',
        `{"msg":"key prefix ${key.slice(0, 20)} used"}`,
        `{"msg":"created","key":"${key}"}`,
        `{"err":"bad secret ${hmac}."}`,
        '{"msg":"login","body":{"password":"correct horse battery staple"}}',
        `{"msg":"device key ${unrecordedKey}"}`,
        `{"msg":"token","t":"${jwt}"}`,
      ].join('\n'),
    );
    const { leaks } = scanForSecrets(dir);
    expect(leaks.map((l) => [l.kind, l.line])).toEqual([
      ['api-key', 3],
      ['signing-secret', 4],
      ['password', 5],
      ['api-key (by format)', 6],
      ['jwt (by format)', 7],
    ]);
    expect(leaks.every((l) => !l.masked.includes(key) && l.masked.length < 30)).toBe(true);

    const clean = mkdtempSync(join(tmpdir(), 'scan-'));
    secrets(clean, [{ kind: 'api-key', value: key }]);
    writeFileSync(join(clean, 'logs-1.txt'), '{"msg":"request completed","url":"/v7/device"}\n');
    expect(scanForSecrets(clean).leaks).toEqual([]);
  });

  describe('recording in this run', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp('sqlite');
    });
    afterAll(async () => t?.close());

    it('records the session tokens, keys and signing secrets the app hands out, and every log line', async () => {
      const dir = process.env.MOORING_TEST_OUTPUT_DIR;
      expect(dir, 'global setup must provide the run directory').toBeTruthy();
      const session = await adminToken(t);
      const key = JSON.parse(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api-key/user/full',
            headers: bearer(session),
            payload: { name: 'rec', expiryDate: null },
          })
        ).body,
      ) as string;
      const signing = (
        await t.app.inject({
          method: 'POST',
          url: '/api-key/user/full',
          headers: bearer(session),
          payload: { name: 'rec2', expiryDate: null, signing: { alg: 'hmac-sha256' } },
        })
      ).json() as { key: string; signing: { secret: string } };
      const recorded = readFileSync(join(dir ?? '', `secrets-${process.pid}.txt`), 'utf8');
      for (const secret of [session, key, signing.key, signing.signing.secret])
        expect(recorded).toContain(secret);
      const logs = readFileSync(join(dir ?? '', `logs-${process.pid}.txt`), 'utf8');
      expect(logs).toContain('/api-key/user/full');
      expect(t.logs.lines.length).toBeGreaterThan(0);
    });
  });
});
