import { createHmac, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureBase } from '../src/signatures/components.js';
import { createMessageSignature, verifyMessageSignature } from '../src/signatures/message.js';
import { verifyRequestSignature } from '../src/signatures/profile.js';
import type {
  SignableRequest,
  SignatureParams,
  SigningKey,
  VerificationKey,
} from '../src/signatures/types.js';
import { fromBase64, loadVectors } from './load-vectors.js';

interface RfcVectors {
  readonly keys: {
    readonly 'test-key-ed25519': { privateKeyPkcs8Base64: string; publicKeySpkiBase64: string };
    readonly 'test-shared-secret': { secretBase64: string };
  };
  readonly request: SignableRequest & { readonly headers: Record<string, string>; readonly body: string };
  readonly cases: readonly {
    name: string;
    label: string;
    keyId: 'test-key-ed25519' | 'test-shared-secret';
    components: string[];
    params: SignatureParams;
    signatureBase: string;
    signatureInput: string;
    signature: string;
  }[];
}

const v = loadVectors<RfcVectors>('rfc9421.json');
const secret = fromBase64(v.keys['test-shared-secret'].secretBase64);
const pkcs8 = fromBase64(v.keys['test-key-ed25519'].privateKeyPkcs8Base64);
const spki = fromBase64(v.keys['test-key-ed25519'].publicKeySpkiBase64);

function signingKey(id: RfcVectors['cases'][number]['keyId']): SigningKey {
  return id === 'test-shared-secret' ? { alg: 'hmac-sha256', secret } : { alg: 'ed25519', privateKey: pkcs8 };
}
function verificationKeys(id: RfcVectors['cases'][number]['keyId']): VerificationKey[] {
  if (id === 'test-shared-secret') return [{ alg: 'hmac-sha256', secret }];
  return [
    { alg: 'ed25519', publicKey: spki },
    { alg: 'ed25519', publicKey: spki.slice(12) },
  ];
}
function signed(c: RfcVectors['cases'][number], extra: Record<string, string> = {}): SignableRequest {
  return {
    ...v.request,
    headers: { ...v.request.headers, 'Signature-Input': c.signatureInput, Signature: c.signature, ...extra },
  };
}

describe.each(v.cases)('RFC 9421 $name', (c) => {
  it('builds the exact signature base', () => {
    expect(signatureBase(c.components, c.params, v.request)).toBe(c.signatureBase);
  });

  it('the published signature checks out with node:crypto (vector sanity)', () => {
    const sig = fromBase64(c.signature.slice(c.label.length + 2, -1));
    if (c.keyId === 'test-shared-secret') {
      expect(createHmac('sha256', secret).update(c.signatureBase).digest().equals(sig)).toBe(true);
    } else {
      const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      expect(nodeVerify(null, Buffer.from(c.signatureBase), pub, sig)).toBe(true);
    }
  });

  it('is reproduced byte for byte by our signer', async () => {
    const headers = await createMessageSignature(v.request, {
      label: c.label,
      components: c.components,
      params: c.params,
      key: signingKey(c.keyId),
    });
    expect(headers).toEqual({ 'signature-input': c.signatureInput, signature: c.signature });
  });

  it('verifies with our verifier (raw and DER public keys)', async () => {
    for (const key of verificationKeys(c.keyId)) {
      const r = await verifyMessageSignature(signed(c), key, { label: c.label });
      expect(r).toEqual({
        ok: true,
        label: c.label,
        components: c.components,
        params: { created: 1618884473, keyid: c.keyId },
      });
    }
  });

  it('fails when a covered header changes, or the wrong key is used', async () => {
    const [key] = verificationKeys(c.keyId);
    if (key === undefined) throw new Error('no key');
    const changed = await verifyMessageSignature(signed(c, { Date: 'Tue, 20 Apr 2021 02:07:56 GMT' }), key);
    expect(changed).toEqual({ ok: false, reason: 'bad_signature' });
    const other: VerificationKey =
      key.alg === 'ed25519' ? { alg: 'hmac-sha256', secret } : { alg: 'ed25519', publicKey: spki };
    expect(await verifyMessageSignature(signed(c), other)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('is refused by the Mooring profile (no nonce, not enough coverage)', async () => {
    const r = await verifyRequestSignature(signed(c), async () => verificationKeys(c.keyId)[0] ?? null, {
      now: 1618884473_000,
      maxSkewSeconds: 300,
    });
    expect(r).toEqual({ ok: false, reason: 'missing_component' });
  });
});
