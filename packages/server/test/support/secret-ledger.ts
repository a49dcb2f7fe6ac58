import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The "no secret in any log line" check (issue 6) works in three steps:
 * 1. Every test process appends each log line the app writes (LogCapture) and each secret it sees
 *    created or sent (createTestApp's inject recorder: passwords sent, session tokens, API keys and
 *    HMAC secrets returned) to files in the run's directory, `MOORING_TEST_OUTPUT_DIR`.
 * 2. vitest's globalSetup (test/support/global-setup.ts) creates a fresh directory per run before
 *    any test file starts, and hands it to the workers through that environment variable.
 * 3. Its teardown runs once after every test file has finished, whatever their order, and fails the
 *    run if any recorded secret, or anything shaped like a valid Mooring key or a JWT, occurs in
 *    any captured log line (secret-scan.ts).
 * Outside a vitest run with the global setup (no directory), recording is a no-op.
 */

export type SecretKind = 'password' | 'session-token' | 'api-key' | 'signing-secret' | 'master-secret';

const dir = (): string | undefined => process.env.MOORING_TEST_OUTPUT_DIR;
let ready: string | undefined;

function file(name: string): string | undefined {
  const d = dir();
  if (!d) return undefined;
  if (ready !== d) {
    mkdirSync(d, { recursive: true });
    ready = d;
  }
  return join(d, `${name}-${process.pid}.txt`);
}

const recorded = new Set<string>();

export function recordSecret(kind: SecretKind, value: string): void {
  if (value.length < 8 || recorded.has(value)) return;
  recorded.add(value);
  const target = file('secrets');
  if (target) appendFileSync(target, `${JSON.stringify({ kind, value })}\n`);
}

export function recordLogText(text: string): void {
  const target = file('logs');
  if (target) appendFileSync(target, text.endsWith('\n') ? text : `${text}\n`);
}

const PASSWORD_FIELDS = new Set(['password', 'newPassword', 'currentPassword', 'oldPassword']);
const SECRET_FIELDS: Readonly<Record<string, SecretKind>> = {
  key: 'api-key',
  apiKey: 'api-key',
  api_key: 'api-key',
  token: 'session-token',
  secret: 'signing-secret',
};

/** Passwords in a request payload. */
export function recordRequestSecrets(payload: unknown): void {
  walk(payload, (field, value) => {
    if (PASSWORD_FIELDS.has(field)) recordSecret('password', value);
  });
}

/**
 * Credentials in a response: balena-style endpoints answer a bare JSON string (a session token
 * or an API key), Mooring endpoints an object with `key`, `token`, `signing.secret`….
 */
export function recordResponseSecrets(url: string, body: string): void {
  if (body.length === 0 || body.length > 100_000) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Plain-text tokens (/login_, /user/v1/refresh-token answer text).
    if (/^[A-Za-z0-9_.-]{20,}$/.test(body))
      recordSecret(body.includes('.') ? 'session-token' : 'api-key', body);
    return;
  }
  if (typeof parsed === 'string') {
    if (/\/(api-key|login_|whoami|refresh-token|register)/.test(url) && /^\S{16,}$/.test(parsed))
      recordSecret(parsed.includes('.') ? 'session-token' : 'api-key', parsed);
    return;
  }
  walk(parsed, (field, value) => {
    const kind = SECRET_FIELDS[field];
    if (kind && value.length >= 16) recordSecret(kind, value);
  });
}

function walk(value: unknown, visit: (field: string, value: string) => void, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') visit(k, v);
    else walk(v, visit, depth + 1);
  }
}
