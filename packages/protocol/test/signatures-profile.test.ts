import { createHmac, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSignature, createMessageSignature } from '../src/signatures/message.js';
import { signRequest, verifyRequestSignature } from '../src/signatures/profile.js';
import { selectSignature } from '../src/signatures/signature-headers.js';
import type { NativeVerificationKey, ReceivedRequest, SignatureParams } from '../src/signatures/types.js';
import { fromBase64, utf8 } from './load-vectors.js';
import {
  caseNamed,
  edPublic,
  hmacSecret,
  received,
  resolver,
  SKEW,
  signingKeyFor,
  vectors,
  verificationKeyFor,
} from './mooring-vectors.js';

describe.each(vectors.cases)('Mooring vector: $name', (c) => {
  it('signRequest produces the exact headers', async () => {
    const headers = await signRequest(c.request, {
      keyId: c.keyId,
      alg: c.alg,
      key: signingKeyFor(c.alg),
      created: c.created,
      nonce: c.nonce,
      ...(c.expires === undefined ? {} : { expires: c.expires }),
      ...(c.label === undefined ? {} : { label: c.label }),
      ...(c.components === undefined ? {} : { components: c.components }),
    });
    expect(headers).toEqual(c.expected.headers);
  });

  it('the signature is valid over the expected base (independent node:crypto check)', () => {
    const label = c.label ?? 'sig1';
    const sig = fromBase64(c.expected.headers.signature.slice(label.length + 2, -1));
    if (c.alg === 'hmac-sha256') {
      const mac = createHmac('sha256', hmacSecret).update(c.expected.signatureBase).digest();
      expect(mac.equals(sig)).toBe(true);
    } else {
      const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), edPublic]);
      const pub = createPublicKey({ key: der, format: 'der', type: 'spki' });
      expect(nodeVerify(null, Buffer.from(c.expected.signatureBase), pub, sig)).toBe(true);
    }
  });

  it('verifyRequestSignature accepts it and reports key id, nonce and window', async () => {
    const { resolve, calls } = resolver();
    const r = await verifyRequestSignature(received(c), resolve, { now: c.verifyAt, ...SKEW });
    expect(r).toEqual({
      ok: true,
      keyId: c.keyId,
      nonce: c.nonce,
      created: c.created,
      ...(c.expires === undefined ? {} : { expires: c.expires }),
      label: c.label ?? 'sig1',
      alg: c.alg,
      key: verificationKeyFor(c.alg),
      replayWindowEndsAt: Math.min(c.created + 300, c.expires ?? Number.POSITIVE_INFINITY) * 1000,
    });
    expect(calls).toEqual([[c.keyId, c.alg]]);
  });
});

describe('verifyRequestSignature profile rules', () => {
  const c = caseNamed('hmac-sha256 GET');
  const base = received(c);
  const now = c.verifyAt;

  async function verifyWith(
    params: SignatureParams,
    components = ['@method', '@authority', '@path', '@query'],
  ) {
    const headers = await createMessageSignature(base, {
      components,
      params,
      key: { alg: 'hmac-sha256', secret: hmacSecret },
    });
    const request: ReceivedRequest = { ...base, headers: { ...c.request.headers, ...headers } };
    const { resolve, calls } = resolver();
    return { result: await verifyRequestSignature(request, resolve, { now, ...SKEW }), calls };
  }
  const good = { created: c.created, keyid: c.keyId, nonce: c.nonce };

  it.each([
    ['created', { keyid: c.keyId, nonce: c.nonce }],
    ['keyid', { created: c.created, nonce: c.nonce }],
    ['nonce', { created: c.created, keyid: c.keyId }],
  ])('missing %s → missing_param, key never resolved', async (_p, params) => {
    const { result, calls } = await verifyWith(params);
    expect(result).toEqual({ ok: false, reason: 'missing_param' });
    expect(calls).toEqual([]);
  });

  it.each([
    ['@method', ['@authority', '@path', '@query']],
    ['@authority', ['@method', '@path', '@query']],
    ['@path', ['@method', '@authority', '@query']],
    ['@query (request has a query)', ['@method', '@authority', '@path']],
  ])('not covering %s → missing_component', async (_c, components) => {
    expect((await verifyWith(good, components)).result).toEqual({ ok: false, reason: 'missing_component' });
  });

  it('honours extra requiredComponents', async () => {
    const r = await verifyRequestSignature(base, resolver().resolve, {
      now,
      ...SKEW,
      requiredComponents: ['accept'],
    });
    expect(r).toEqual({ ok: false, reason: 'missing_component' });
  });

  it('enforces the created window and expires', async () => {
    const { resolve } = resolver();
    const at = (ms: number) => verifyRequestSignature(base, resolve, { now: ms, ...SKEW });
    expect((await at(c.created * 1000 + 300_000)).ok).toBe(true);
    expect((await at(c.created * 1000 - 300_000)).ok).toBe(true);
    expect(await at(c.created * 1000 + 300_001)).toEqual({ ok: false, reason: 'expired' });
    expect(await at(c.created * 1000 - 300_001)).toEqual({ ok: false, reason: 'created_in_future' });
    const withExpiry = caseNamed('ed25519 GET without query');
    const expiresAt = (withExpiry.expires ?? 0) * 1000;
    const r = await verifyRequestSignature(received(withExpiry), resolve, { now: expiresAt + 1, ...SKEW });
    expect(r).toEqual({ ok: false, reason: 'expired' });
    expect(
      (await verifyRequestSignature(received(withExpiry), resolve, { now: expiresAt, ...SKEW })).ok,
    ).toBe(true);
  });

  it('unknown key → unknown_key', async () => {
    const r = await verifyRequestSignature(base, async () => null, { now, ...SKEW });
    expect(r).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('alg must match the key, and be one we support', async () => {
    expect((await verifyWith({ ...good, alg: 'ed25519' })).result).toEqual({
      ok: false,
      reason: 'alg_mismatch',
    });
    const unsupported = await verifyWith({ ...good, alg: 'rsa-pss-sha512' });
    expect(unsupported).toEqual({ result: { ok: false, reason: 'alg_mismatch' }, calls: [] });
    expect((await verifyWith(good)).result.ok).toBe(true);
  });

  it('bounds nonce and keyid sizes', async () => {
    expect((await verifyWith({ ...good, nonce: 'abc' })).result).toEqual({ ok: false, reason: 'malformed' });
    expect((await verifyWith({ ...good, nonce: 'n'.repeat(129) })).result).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect((await verifyWith({ ...good, keyid: 'k'.repeat(257) })).result).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('rejects parameters of the wrong type', async () => {
    const input = c.expected.headers['signature-input'].replace(
      `created=${c.created}`,
      `created="${c.created}"`,
    );
    const r = await verifyRequestSignature(
      { ...base, headers: { ...base.headers, 'signature-input': input } },
      resolver().resolve,
      {
        now,
        ...SKEW,
      },
    );
    expect(r).toEqual({ ok: false, reason: 'malformed' });
  });

  it('throws TypeError on bad options', async () => {
    await expect(
      verifyRequestSignature(base, resolver().resolve, { now: Number.NaN, ...SKEW }),
    ).rejects.toThrow(TypeError);
    await expect(
      verifyRequestSignature(base, resolver().resolve, { now, maxSkewSeconds: -1 }),
    ).rejects.toThrow(TypeError);
  });

  it('lets resolver failures propagate', async () => {
    const boom = async (): Promise<null> => {
      throw new Error('database down');
    };
    await expect(verifyRequestSignature(base, boom, { now, ...SKEW })).rejects.toThrow('database down');
  });

  /** The vector's HMAC key as a server holds it: node:crypto, answering synchronously. */
  const nativeHmac: NativeVerificationKey = {
    alg: 'hmac-sha256',
    verify: (data, signature) => createHmac('sha256', hmacSecret).update(data).digest().equals(signature),
  };

  it('checks a native key that verifies synchronously, and refuses a wrong MAC', async () => {
    const selected = selectSignature(base);
    if (!selected.ok) throw new Error('vector does not parse');
    expect(await checkSignature(base, selected.value, nativeHmac)).toBe('ok');
    const wrong: NativeVerificationKey = { alg: 'hmac-sha256', verify: () => false };
    expect(await checkSignature(base, selected.value, wrong)).toBe('bad_signature');
    // A WebCrypto key gives the same verdict.
    expect(await checkSignature(base, selected.value, { alg: 'hmac-sha256', secret: hmacSecret })).toBe('ok');
  });

  it('accepts a resolver that answers synchronously (a key cache hit)', async () => {
    const seen: string[] = [];
    const sync = (keyId: string): NativeVerificationKey => {
      seen.push(keyId);
      return nativeHmac;
    };
    const r = await verifyRequestSignature(base, sync, { now, ...SKEW });
    expect(r.ok).toBe(true);
    expect(seen).toEqual([c.keyId]);
  });

  it('waits for any thenable a resolver returns, not only a native promise', async () => {
    const thenable: PromiseLike<NativeVerificationKey> = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the point
      then: (resolve) => Promise.resolve(nativeHmac).then(resolve),
    };
    const r = await verifyRequestSignature(base, () => thenable, { now, ...SKEW });
    expect(r).toMatchObject({ ok: true, keyId: c.keyId, nonce: c.nonce });
  });

  it('checks the Content-Digest before it looks the key up', async () => {
    const post = caseNamed('hmac-sha256 POST');
    const { resolve, calls } = resolver();
    const tampered = { ...received(post), body: utf8('{"tampered":true}') };
    expect(await verifyRequestSignature(tampered, resolve, { now: post.verifyAt, ...SKEW })).toEqual({
      ok: false,
      reason: 'digest_mismatch',
    });
    expect(calls).toEqual([]);
    expect(
      await verifyRequestSignature(received(post), resolve, { now: post.verifyAt, ...SKEW }),
    ).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
  });

  it('finds the signature headers whatever the case of their names', async () => {
    const upper: ReceivedRequest = {
      ...base,
      headers: Object.fromEntries(
        Object.entries(base.headers).map(([name, value]) => [
          name.replace(/^./, (c) => c.toUpperCase()),
          value,
        ]),
      ),
    };
    expect(Object.keys(upper.headers)).toContain('Signature-input');
    expect((await verifyRequestSignature(upper, resolver().resolve, { now, ...SKEW })).ok).toBe(true);
  });

  it('a request with a body must cover content-digest', async () => {
    const withBody: ReceivedRequest = { ...base, body: utf8('{}') };
    expect(await verifyRequestSignature(withBody, resolver().resolve, { now, ...SKEW })).toEqual({
      ok: false,
      reason: 'missing_component',
    });
  });
});
