import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { deriveKeys, loadMasterSecret } from '../../src/config/secrets.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: '/srv/data',
      databaseUrl: undefined,
      logLevel: 'info',
      sessionLifetimeSeconds: 7 * 86_400,
      freshAuthSeconds: 1200,
      signatureMaxSkewSeconds: 300,
      signatureNonceLimit: 2_000_000,
    });
    expect(loadConfig({ MOORING_SIGNATURE_NONCE_LIMIT: '5000000' }).signatureNonceLimit).toBe(5_000_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ MOORING_PORT: 'abc' }, /MOORING_PORT=abc is invalid: expected an integer from 0 to 65535/],
    [{ MOORING_PORT: '70000' }, /MOORING_PORT=70000/],
    [{ MOORING_LOG_LEVEL: 'loud' }, /MOORING_LOG_LEVEL=loud is invalid: expected one of fatal, error/],
    [{ MOORING_DATABASE_URL: 'mysql://x' }, /MOORING_DATABASE_URL=<redacted> is invalid/],
    [{ MOORING_SECRET: 'short' }, /MOORING_SECRET is too short/],
    [{ MOORING_ADMIN_EMAIL: 'nope' }, /MOORING_ADMIN_EMAIL=nope is invalid/],
    [{ MOORING_TRUST_PROXY: 'maybe' }, /MOORING_TRUST_PROXY=maybe is invalid: expected true or false/],
    [{ MOORING_SESSION_LIFETIME_SECONDS: '3600' }, /MOORING_SESSION_LIFETIME_SECONDS=3600/],
    [{ MOORING_SIGNATURE_NONCE_LIMIT: '10' }, /MOORING_SIGNATURE_NONCE_LIMIT=10 is invalid/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('requires a secret when PostgreSQL is configured', () => {
    expect(() => loadConfig({ MOORING_DATABASE_URL: 'postgres://localhost/x' })).toThrow(
      /MOORING_SECRET is required when MOORING_DATABASE_URL is set/,
    );
  });

  it('reads an optional KEY=value file; the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-cfg-'));
    writeFileSync(join(dir, 'mooring.env'), '# comment\nMOORING_PORT=9000\nMOORING_HOST="0.0.0.0"\n');
    const config = loadConfig({ MOORING_CONFIG_FILE: 'mooring.env', MOORING_HOST: '::1' }, dir);
    expect(config.port).toBe(9000);
    expect(config.host).toBe('::1');
  });

  it('generates the master secret once into the data directory with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-secret-'));
    const config = loadConfig({ MOORING_DATA_DIR: dir });
    const first = loadMasterSecret(config);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(loadMasterSecret(config)).toBe(first);
  });

  it('derives distinct subkeys deterministically', () => {
    const a = deriveKeys('x'.repeat(40));
    const b = deriveKeys('x'.repeat(40));
    expect(Buffer.from(a.jwt).equals(Buffer.from(b.jwt))).toBe(true);
    expect(Buffer.from(a.jwt).equals(Buffer.from(a.apiKeyPepper))).toBe(false);
    expect(Buffer.from(a.apiKeyPepper).equals(Buffer.from(a.encryption))).toBe(false);
  });

  it('the server process exits with a message naming the bad variable', () => {
    const main = join(__dirname, '../../src/main.ts');
    const result = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, MOORING_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('MOORING_PORT=abc is invalid');
  });
});
