import { describe, expect, it } from 'vitest';
import { contentDigest, verifyContentDigest } from '../src/signatures/digest.js';
import { loadVectors, utf8 } from './load-vectors.js';

const v = loadVectors<{ request: { body: string }; bodyDigests: Record<'sha-256' | 'sha-512', string> }>(
  'rfc9421.json',
);
const body = utf8(v.request.body);

describe('contentDigest (RFC 9530)', () => {
  it('matches the published sha-256 and sha-512 digests of {"hello": "world"}', async () => {
    expect(await contentDigest(body, 'sha-256')).toBe(v.bodyDigests['sha-256']);
    expect(await contentDigest(body, 'sha-512')).toBe(v.bodyDigests['sha-512']);
    expect(await contentDigest(v.request.body)).toBe(v.bodyDigests['sha-256']);
  });

  it('throws TypeError for an unsupported algorithm', async () => {
    await expect(contentDigest(body, 'md5' as 'sha-256')).rejects.toThrow(TypeError);
  });
});

describe('verifyContentDigest', () => {
  const both = `${v.bodyDigests['sha-256']}, ${v.bodyDigests['sha-512']}`;

  it('accepts sha-256, sha-512, both, and ignores unknown algorithms next to them', async () => {
    expect(await verifyContentDigest(v.bodyDigests['sha-256'], body)).toEqual({
      ok: true,
      algorithms: ['sha-256'],
    });
    expect(await verifyContentDigest(v.bodyDigests['sha-512'], body)).toEqual({
      ok: true,
      algorithms: ['sha-512'],
    });
    expect(await verifyContentDigest(both, body)).toEqual({ ok: true, algorithms: ['sha-256', 'sha-512'] });
    expect(await verifyContentDigest(`md5=:AAAA:, ${v.bodyDigests['sha-256']}`, body)).toMatchObject({
      ok: true,
    });
  });

  it('rejects a changed body, and any wrong member', async () => {
    expect(await verifyContentDigest(v.bodyDigests['sha-256'], utf8('{"hello": "World"}'))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const wrong512 = 'sha-512=:AAAA:';
    expect(await verifyContentDigest(`${v.bodyDigests['sha-256']}, ${wrong512}`, body)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('rejects unknown-only and malformed values', async () => {
    expect(await verifyContentDigest('md5=:AAAA:, sha=:AAAA:', body)).toEqual({
      ok: false,
      reason: 'unsupported_algorithm',
    });
    expect(await verifyContentDigest('sha-256=X48E9q', body)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyContentDigest('sha-256="X48E9q"', body)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyContentDigest('', body)).toEqual({ ok: false, reason: 'unsupported_algorithm' });
  });
});
