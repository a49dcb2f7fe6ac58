import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  API_KEY_LENGTH,
  type ApiKeyKind,
  apiKeyScanPattern,
  displayPrefix,
  generateApiKey,
  parseApiKey,
} from '../src/api-key-format.js';
import { fromHex, loadVectors } from './load-vectors.js';

interface ApiKeyVectors {
  readonly valid: readonly {
    kind: ApiKeyKind;
    randomHex: string;
    key: string;
    publicId: string;
    displayPrefix: string;
  }[];
  readonly invalid: readonly { why: string; value: string }[];
}

const vectors = loadVectors<ApiKeyVectors>('api-key-vectors.json');
const KINDS: readonly ApiKeyKind[] = ['user', 'provisioning', 'device'];
// balena-settings-storage turns such strings into numbers on read-back (COMPAT.md A1).
const BALENA_NUMBER = /^-?\d+\.?\d*$/;

function isJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

describe('generateApiKey vectors', () => {
  it.each(vectors.valid)('$kind from fixed bytes → $key', (v) => {
    const generated = generateApiKey(v.kind, () => fromHex(v.randomHex));
    expect(generated).toEqual({ key: v.key, publicId: v.publicId, kind: v.kind });
    expect(parseApiKey(v.key)).toEqual({ kind: v.kind, publicId: v.publicId, key: v.key });
    expect(displayPrefix(v.key)).toBe(v.displayPrefix);
  });

  it('checksum is CRC-32 of the preceding characters (independent zlib check)', () => {
    for (const v of vectors.valid) {
      const body = v.key.slice(0, -6);
      const expected = BigInt(zlibCrc32(body));
      const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
      const decoded = [...v.key.slice(-6)].reduce((n, c) => n * 62n + BigInt(alphabet.indexOf(c)), 0n);
      expect(decoded).toBe(expected);
    }
  });
});

describe('parseApiKey rejects', () => {
  it.each(vectors.invalid)('$why', ({ value }) => {
    expect(parseApiKey(value)).toBeNull();
    expect(displayPrefix(value)).toBeNull();
  });

  it('non-string input without throwing', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(parseApiKey(value as unknown as string)).toBeNull();
    }
  });

  it('huge input in bounded time', () => {
    // Bounded time means no pass over the input: the length check refuses it before the pattern or
    // the checksum reads a character. Observed directly rather than timed (a loaded machine is slow).
    const huge = `mk_u_${'a'.repeat(50_000_000)}`;
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    const slice = vi.spyOn(String.prototype, 'slice');
    try {
      expect(parseApiKey(huge)).toBeNull();
      expect(exec.mock.calls.filter(([input]) => input.length > API_KEY_LENGTH)).toEqual([]);
      expect(slice.mock.contexts.filter((s) => String(s).length > API_KEY_LENGTH)).toEqual([]);
    } finally {
      exec.mockRestore();
      slice.mockRestore();
    }
  });

  it('any single-character change of a valid key', () => {
    const key = vectors.valid[2]?.key ?? '';
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: API_KEY_LENGTH - 1 }),
        fc.constantFrom(...'0123456789abcXYZ_'),
        (i, c) => {
          fc.pre(key[i] !== c);
          expect(parseApiKey(key.slice(0, i) + c + key.slice(i + 1))).toBeNull();
        },
      ),
    );
  });

  it('arbitrary strings, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        expect(parseApiKey(s)).toBeNull();
      }),
    );
  });
});

describe('generated keys', () => {
  it.each(KINDS)('%s keys have the documented shape and properties', (kind) => {
    for (let i = 0; i < 200; i++) {
      const { key, publicId } = generateApiKey(kind);
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(key).toMatch(/^mk_[upd]_[0-9A-Za-z]{13}_[0-9A-Za-z]{39}$/);
      expect(key.startsWith(`mk_${kind[0]}_${publicId}_`)).toBe(true);
      expect(key).not.toContain('.');
      expect(key).not.toMatch(BALENA_NUMBER);
      expect(isJson(key)).toBe(false);
      expect(encodeURIComponent(key)).toBe(key);
      expect(parseApiKey(key)?.kind).toBe(kind);
    }
  });

  it('does not repeat public ids or keys', () => {
    const keys = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { key, publicId } = generateApiKey('user');
      keys.add(key);
      ids.add(publicId);
    }
    expect(keys.size).toBe(2000);
    expect(ids.size).toBe(2000);
  });

  it('every random byte influences the key', () => {
    const base = new Uint8Array(33);
    const reference = generateApiKey('user', () => base).key;
    for (let i = 0; i < 33; i++) {
      const bytes = new Uint8Array(33);
      bytes[i] = 1;
      expect(generateApiKey('user', () => bytes).key).not.toBe(reference);
    }
  });

  it('throws TypeError on misuse', () => {
    expect(() => generateApiKey('admin' as ApiKeyKind)).toThrow(TypeError);
    expect(() => generateApiKey('user', () => new Uint8Array(8))).toThrow(TypeError);
  });
});

describe('apiKeyScanPattern', () => {
  it('finds keys in text, e.g. for log redaction', () => {
    const [a, b] = [vectors.valid[0]?.key ?? '', vectors.valid[4]?.key ?? ''];
    const text = `GET /v7/device?apikey=${a} and Authorization: Bearer ${b}.`;
    expect(text.match(apiKeyScanPattern())).toEqual([a, b]);
    expect(text.replace(apiKeyScanPattern(), '[redacted]')).not.toContain('mk_');
  });
});
