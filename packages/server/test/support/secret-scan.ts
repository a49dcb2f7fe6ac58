import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseApiKey } from '../../../protocol/src/api-key-format.js';

export interface Leak {
  readonly kind: string;
  readonly file: string;
  readonly line: number;
  /** The secret, masked: enough to recognise it, not enough to use it. */
  readonly masked: string;
}

const mask = (s: string): string => `${s.slice(0, 6)}…(${s.length} chars)`;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;
const TOKEN_SPLIT = /[^A-Za-z0-9_.~+/-]+/;
/** A webhook endpoint's `whsec_` secret (32 bytes, base64; the `=` padding splits off). */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{40,}$/;

/**
 * Every recorded secret, valid Mooring key or JWT found in the captured log lines of a run
 * directory (see secret-ledger.ts). Token-like secrets are matched as whole tokens of a line
 * (a Set lookup, so thousands of secrets against a whole suite's logs stay fast); passwords, which
 * may contain spaces, as substrings.
 */
export function scanForSecrets(dir: string): { leaks: Leak[]; secrets: number; lines: number } {
  const files = readdirSync(dir);
  const tokens = new Map<string, string>();
  const phrases: { kind: string; value: string }[] = [];
  for (const name of files.filter((f) => f.startsWith('secrets-'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      const { kind, value } = JSON.parse(line) as { kind: string; value: string };
      if (kind === 'password' || kind === 'master-secret' || TOKEN_SPLIT.test(value))
        phrases.push({ kind, value });
      else tokens.set(value, kind);
    }
  }
  const leaks: Leak[] = [];
  let lines = 0;
  for (const name of files.filter((f) => f.startsWith('logs-'))) {
    const text = readFileSync(join(dir, name), 'utf8').split('\n');
    text.forEach((line, index) => {
      if (!line) return;
      lines++;
      const found = (kind: string, value: string) =>
        leaks.push({ kind, file: name, line: index + 1, masked: mask(value) });
      for (const raw of line.split(TOKEN_SPLIT)) {
        const token = raw.replace(/\.+$/, '');
        const kind = tokens.get(token);
        if (kind) found(kind, token);
        else if (token.startsWith('mk_') && parseApiKey(token)) found('api-key (by format)', token);
        else if (WEBHOOK_SECRET.test(token)) found('webhook secret (by format)', token);
      }
      for (const p of phrases) if (line.includes(p.value)) found(p.kind, p.value);
      const jwt = JWT.exec(line);
      if (jwt) found('jwt (by format)', jwt[0]);
    });
  }
  return { leaks, secrets: tokens.size + phrases.length, lines };
}
