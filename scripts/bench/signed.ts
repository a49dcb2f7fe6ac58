/**
 * Scenario 4: RFC 9421 signed device-status requests, Ed25519 and HMAC. Signing keys are created
 * through the real endpoint (`POST /api-key/user/full` with `signing`, docs/signatures.md) with a
 * fresh session of a working-set user; the requests are signed in advance with the protocol
 * package's signer, one unique nonce each, so the load generator only replays bytes.
 */
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { signRequest } from '@mooring/protocol';
import { deviceStatusSigned, type Scenario } from './scenarios.js';
import type { SeedResult } from './seed.js';

export interface MissingScenario {
  readonly id: string;
  readonly title: string;
  readonly target: number;
  readonly missing: string;
}

interface SigningKeyAnswer {
  readonly keyId?: string;
  readonly signing?: { readonly alg?: string; readonly secret?: string };
}

async function createSigningKey(
  base: string,
  session: string,
  name: string,
  signing: Record<string, string>,
): Promise<SigningKeyAnswer | string> {
  const res = await fetch(`${base}/api-key/user/full`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, signing, requiresSignature: true }),
  });
  const text = await res.text();
  if (res.status !== 200) return `creating a signing key answered ${res.status} ${text.slice(0, 200)}`;
  try {
    const answer = JSON.parse(text) as SigningKeyAnswer;
    return typeof answer.keyId === 'string' ? answer : `no keyId in ${text.slice(0, 100)}`;
  } catch {
    return `creating a signing key answered ${text.slice(0, 100)} (no signing support)`;
  }
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

/**
 * `budget`: how many requests to sign per algorithm (each is sent once). `session`: a fresh session
 * token of the first working-set user, who owns the signing keys.
 */
export async function signedScenarios(
  base: string,
  seed: SeedResult,
  session: string,
  budget: number,
): Promise<(Scenario | MissingScenario)[]> {
  const authority = new URL(base).host;
  const out: (Scenario | MissingScenario)[] = [];

  const pair = generateKeyPairSync('ed25519');
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const ed = await createSigningKey(base, session, 'bench ed25519', {
    alg: 'ed25519',
    publicKey: jwk.x ?? '',
  });
  if (typeof ed === 'string') {
    out.push({ id: 'status-sig-ed25519', title: 'RFC 9421 Ed25519', target: 0.4, missing: ed });
  } else {
    const key = await subtle().importKey(
      'pkcs8',
      pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'Ed25519' },
      false,
      ['sign'],
    );
    out.push(await signAll(seed, 'ed25519', ed.keyId as string, key, authority, budget));
  }

  const hmac = await createSigningKey(base, session, 'bench hmac', { alg: 'hmac-sha256' });
  if (typeof hmac === 'string' || !hmac.signing?.secret) {
    const missing = typeof hmac === 'string' ? hmac : 'no HMAC secret in the answer';
    out.push({ id: 'status-sig-hmac', title: 'RFC 9421 HMAC', target: 0.4, missing });
  } else {
    const secret = Buffer.from(hmac.signing.secret, 'base64url');
    const key = await subtle().importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    out.push(await signAll(seed, 'hmac-sha256', hmac.keyId as string, key, authority, budget));
  }
  return out;
}

function signAll(
  seed: SeedResult,
  alg: 'ed25519' | 'hmac-sha256',
  keyId: string,
  key: CryptoKey,
  authority: string,
  count: number,
): Promise<Scenario> {
  return deviceStatusSigned(seed, alg, count, async (path, query) => {
    const headers = await signRequest(
      { method: 'GET', authority, path, query, headers: {} },
      { keyId, alg, key },
    );
    return { 'signature-input': headers['signature-input'], signature: headers.signature };
  });
}

/** What one signature verification costs on this machine, node:crypto on one core (best of 5 batches). */
export interface VerificationCost {
  readonly ed25519Us: number;
  readonly hmacSha256Us: number;
}

/**
 * The floor under scenario 4: every signed request is verified once, and Ed25519 verification is
 * node:crypto's (OpenSSL) whatever else the server does. Measured on a base of the scenario's size
 * so the numbers can be set against the ceiling's rate in the report.
 */
export function verificationCost(batch = 2000): VerificationCost {
  const base = Buffer.from(
    `"@method": GET\n"@authority": 127.0.0.1:8080\n"@path": /v7/device\n"@query": ?$filter=uuid%20eq%20'0123456789abcdef0123456789abcdef'&$select=uuid,api_heartbeat_state,is_online\n"@signature-params": ("@method" "@authority" "@path" "@query");created=1700000000;keyid="mk_0123456789";alg="ed25519";nonce="0123456789abcdefghij"`,
  );
  const pair = generateKeyPairSync('ed25519');
  const signature = sign(null, base, pair.privateKey);
  const secret = createSecretKey(randomBytes(32));
  const best = (run: () => void): number => {
    let fastest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) run();
      fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / batch / 1000);
    }
    return fastest;
  };
  return {
    ed25519Us: best(() => {
      if (!verify(null, base, pair.publicKey, signature)) throw new Error('Ed25519 self-check failed');
    }),
    hmacSha256Us: best(() => createHmac('sha256', secret).update(base).digest()),
  };
}
