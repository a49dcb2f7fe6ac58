import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  contentDigest,
  createMessageSignature,
  type SignatureAlgorithm,
  signRequest,
} from '@mooring/protocol';
import { bearer, type TestApp } from '../support/test-app.js';

export const HOST = 'api.mooring.test';

export interface SigningKey {
  readonly key: string;
  readonly keyId: string;
  readonly alg: SignatureAlgorithm;
  /** HMAC secret bytes, or the Ed25519 32-byte seed. */
  readonly material: Uint8Array;
}

export function ed25519Pair(): { seed: Uint8Array; publicKey: string; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    seed: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')),
    publicKey: publicKey.export({ format: 'jwk' }).x as string,
    privateKey,
  };
}

/** `POST /api-key/user/full` with signing settings; returns the key and its signing material. */
export async function createSigningKey(
  t: TestApp,
  session: string,
  alg: SignatureAlgorithm,
  options: { requiresSignature?: boolean; name?: string; expiryDate?: string | null; scopes?: string[] } = {},
): Promise<SigningKey> {
  const pair = alg === 'ed25519' ? ed25519Pair() : undefined;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api-key/user/full',
    headers: bearer(session),
    payload: {
      name: options.name ?? `signing-${alg}`,
      expiryDate: options.expiryDate ?? null,
      ...(options.scopes ? { scopes: options.scopes } : {}),
      signing: pair ? { alg, publicKey: pair.publicKey } : { alg },
      requiresSignature: options.requiresSignature ?? false,
    },
  });
  if (res.statusCode !== 200) throw new Error(`signing key: ${res.statusCode} ${res.body}`);
  const body = res.json() as { key: string; keyId: string; signing: { secret?: string } };
  const material = pair ? pair.seed : new Uint8Array(Buffer.from(body.signing.secret ?? '', 'base64url'));
  return { key: body.key, keyId: body.keyId, alg, material };
}

export interface SignedCall {
  readonly method: string;
  readonly url: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly created?: number;
  readonly nonce?: string;
  readonly components?: readonly string[];
}

/** Signature headers for a request, signed with `@mooring/protocol` at the app's clock. */
export async function signatureHeaders(
  t: TestApp,
  key: SigningKey,
  call: SignedCall,
): Promise<Record<string, string>> {
  const queryAt = call.url.indexOf('?');
  const headers = { host: HOST, ...(call.headers ?? {}) };
  const signed = await signRequest(
    {
      method: call.method,
      authority: HOST,
      path: queryAt === -1 ? call.url : call.url.slice(0, queryAt),
      query: queryAt === -1 ? '' : call.url.slice(queryAt),
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
    },
    {
      keyId: key.keyId,
      alg: key.alg,
      key: key.material,
      created: call.created ?? Math.floor(t.clock.now() / 1000),
      ...(call.nonce === undefined ? {} : { nonce: call.nonce }),
      ...(call.components === undefined ? {} : { components: call.components }),
    },
  );
  return { ...headers, ...signed };
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

/** Sends exactly `request` (method, url, body, headers) through the app. */
export async function send(
  t: TestApp,
  request: { method: string; url: string; body?: string; headers: Record<string, string> },
): Promise<Answer> {
  const res = await t.app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers: {
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

/** Signs and sends. */
export async function signed(t: TestApp, key: SigningKey, call: SignedCall): Promise<Answer> {
  const headers = await signatureHeaders(t, key, call);
  return send(t, {
    method: call.method,
    url: call.url,
    ...(call.body === undefined ? {} : { body: call.body }),
    headers,
  });
}

/**
 * Headers from the generic RFC 9421 signer, bypassing the profile's own checks, to build the
 * requests a careless client would send (uncovered query or body, missing parameters).
 */
export async function rawSignatureHeaders(
  t: TestApp,
  key: SigningKey,
  call: SignedCall & { params?: Record<string, string | number> },
): Promise<Record<string, string>> {
  const queryAt = call.url.indexOf('?');
  const headers: Record<string, string> = { host: HOST, ...(call.headers ?? {}) };
  if (call.body !== undefined)
    headers['content-digest'] = await contentDigest(new TextEncoder().encode(call.body), 'sha-256');
  const signed = await createMessageSignature(
    {
      method: call.method,
      authority: HOST,
      path: queryAt === -1 ? call.url : call.url.slice(0, queryAt),
      query: queryAt === -1 ? '' : call.url.slice(queryAt),
      headers,
    },
    {
      components: call.components ?? ['@method', '@authority', '@path'],
      params: call.params ?? {
        created: call.created ?? Math.floor(t.clock.now() / 1000),
        keyid: key.keyId,
        nonce: call.nonce ?? `n${Math.random().toString(36).slice(2)}xxxxxxxx`,
      },
      key:
        key.alg === 'hmac-sha256'
          ? { alg: key.alg, secret: key.material }
          : { alg: key.alg, privateKey: key.material },
    },
  );
  return { ...headers, ...signed };
}
