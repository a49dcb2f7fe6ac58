import { describe, expect, it } from 'vitest';
import { signatureBase } from '../src/signatures/components.js';
import { signRequest, verifyRequestSignature } from '../src/signatures/profile.js';
import { caseNamed, hmacSecret, SKEW } from './mooring-vectors.js';

describe('signatureBase of a vector', () => {
  it('normalises authority case and keeps the non-default port', () => {
    expect(caseNamed('ed25519 PATCH').expected.signatureBase).toContain('"@authority": mooring.local:8080\n');
  });

  it('drops default ports for the scheme', () => {
    const req = {
      method: 'get',
      scheme: 'https',
      authority: 'API.example:443',
      path: '',
      query: '',
      headers: {},
    };
    expect(
      signatureBase(['@method', '@authority', '@path', '@query', '@target-uri', '@request-target'], {}, req),
    ).toBe(
      [
        '"@method": GET',
        '"@authority": api.example',
        '"@path": /',
        '"@query": ?',
        '"@target-uri": https://api.example/',
        '"@request-target": /',
        '"@signature-params": ("@method" "@authority" "@path" "@query" "@target-uri" "@request-target")',
      ].join('\n'),
    );
  });

  it('joins repeated header lines and trims them', () => {
    const req = {
      method: 'GET',
      authority: 'a',
      path: '/',
      query: '',
      headers: { 'X-A': [' 1 ', '2'], 'x-a': '3' },
    };
    expect(signatureBase(['x-a'], {}, req)).toBe('"x-a": 1, 2, 3\n"@signature-params": ("x-a")');
  });

  it('throws TypeError for components it cannot compute', () => {
    const req = { method: 'GET', authority: 'a', path: '/', query: '', headers: { x: 'a\nb' } };
    expect(() => signatureBase(['x-missing'], {}, req)).toThrow(TypeError);
    expect(() => signatureBase(['@status'], {}, req)).toThrow(TypeError);
    expect(() => signatureBase(['@scheme'], {}, req)).toThrow(TypeError);
    expect(() => signatureBase(['x'], {}, req)).toThrow(TypeError);
  });
});

describe('signRequest defaults and misuse', () => {
  const request = {
    method: 'GET',
    authority: 'api.example',
    path: '/v7/device',
    query: '?$top=1',
    headers: {},
  };

  it('generates created and a 22-char nonce, and the result verifies', async () => {
    const headers = await signRequest(request, { keyId: 'kid-1', alg: 'hmac-sha256', key: hmacSecret });
    const r = await verifyRequestSignature(
      { ...request, headers },
      async () => ({ alg: 'hmac-sha256', secret: hmacSecret }),
      { now: Date.now(), ...SKEW },
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('throws TypeError on misuse', async () => {
    const key = hmacSecret;
    await expect(
      signRequest(request, { keyId: 'k', alg: 'hmac-sha256', key, components: ['@method'] }),
    ).rejects.toThrow(TypeError);
    await expect(
      signRequest(request, { keyId: 'k', alg: 'hmac-sha256', key: key.slice(0, 16) }),
    ).rejects.toThrow(TypeError);
    await expect(signRequest(request, { keyId: 'k', alg: 'ed25519', key: key.slice(0, 31) })).rejects.toThrow(
      TypeError,
    );
    await expect(signRequest(request, { keyId: '', alg: 'hmac-sha256', key })).rejects.toThrow(TypeError);
    await expect(signRequest(request, { keyId: 'kéy', alg: 'hmac-sha256', key })).rejects.toThrow(TypeError);
    await expect(
      signRequest(request, { keyId: 'k', alg: 'hmac-sha256', key, nonce: 'short' }),
    ).rejects.toThrow(TypeError);
    await expect(signRequest(request, { keyId: 'k', alg: 'rsa' as 'ed25519', key })).rejects.toThrow(
      TypeError,
    );
  });

  it('accepts CryptoKeys on both sides', async () => {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const headers = await signRequest(request, { keyId: 'k', alg: 'ed25519', key: pair.privateKey });
    const r = await verifyRequestSignature(
      { ...request, headers },
      async () => ({ alg: 'ed25519', publicKey: pair.publicKey }),
      { now: Date.now(), ...SKEW },
    );
    expect(r.ok).toBe(true);
    const hmac = await subtle.importKey(
      'raw',
      new Uint8Array(hmacSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const h2 = await signRequest(request, { keyId: 'k', alg: 'hmac-sha256', key: hmacSecret });
    const r2 = await verifyRequestSignature(
      { ...request, headers: h2 },
      async () => ({ alg: 'hmac-sha256', secret: hmac }),
      {
        now: Date.now(),
        ...SKEW,
      },
    );
    expect(r2.ok).toBe(true);
  });
});
