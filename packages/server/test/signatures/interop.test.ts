import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentDigest, signRequest } from '@mooring/protocol';
import * as lib from 'http-message-signatures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { adminToken, deviceTypeId } from '../support/fleet-fixtures.js';
import { bearer, createTestApp, type TestApp } from '../support/test-app.js';
import { createSigningKey, type SigningKey } from './support.js';

/*
 * Interoperability with the independent `http-message-signatures` package over real sockets:
 * the library signs, a listening Mooring accepts; Mooring's signer signs, a listening server that
 * verifies with the library accepts. Both directions fail on tampering.
 */

const libSigningKey = (key: SigningKey): Buffer | KeyObject =>
  key.alg === 'hmac-sha256'
    ? Buffer.from(key.material)
    : createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.material]),
        format: 'der',
        type: 'pkcs8',
      });

describe.each(dialects())(
  'interop with http-message-signatures against a listening server (%s)',
  (dialect) => {
    let t: TestApp;
    let base: string;
    let keys: SigningKey[];
    let org = 0;
    let deviceType = 0;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      const admin = await adminToken(t);
      keys = [await createSigningKey(t, admin, 'hmac-sha256'), await createSigningKey(t, admin, 'ed25519')];
      const orgs = await t.app.inject({ method: 'GET', url: '/v7/organization', headers: bearer(admin) });
      org = (orgs.json() as { d: { id: number }[] }).d[0]?.id ?? 0;
      deviceType = await deviceTypeId(t, 'raspberrypi3');
      base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => t?.close());

    async function libSigned(
      key: SigningKey,
      method: string,
      url: string,
      body?: string,
      digestAlg: 'sha-256' | 'sha-512' = 'sha-256',
    ): Promise<Response> {
      const headers: Record<string, string> =
        body === undefined ? {} : { 'content-type': 'application/json' };
      if (body !== undefined)
        headers['content-digest'] = await contentDigest(new TextEncoder().encode(body), digestAlg);
      const u = new URL(url);
      const fields = [
        '@method',
        '@authority',
        '@path',
        ...(u.search ? ['@query'] : []),
        ...(body === undefined ? [] : ['content-digest']),
      ];
      const signed = await lib.httpbis.signMessage(
        {
          key: lib.createSigner(libSigningKey(key), key.alg, key.keyId),
          name: 'sig1',
          fields,
          params: ['created', 'keyid', 'alg', 'nonce'],
          paramValues: {
            created: new Date(t.clock.now()),
            nonce: `lib-${Math.random().toString(36).slice(2)}`,
          },
        },
        { method, url, headers },
      );
      return fetch(url, {
        method,
        headers: signed.headers as Record<string, string>,
        ...(body === undefined ? {} : { body }),
      });
    }

    it.each(['hmac-sha256', 'ed25519'])(
      'Mooring accepts %s requests signed by the library, GET with a query and POST with a body',
      async (alg) => {
        const key = keys.find((k) => k.alg === alg) as SigningKey;
        const get = await libSigned(key, 'GET', `${base}/v7/application?$select=id,app_name&$top=5`);
        expect(get.status, await get.clone().text()).toBe(200);
        const body = JSON.stringify({
          app_name: `lib-${alg}`,
          organization: org,
          is_for__device_type: deviceType,
        });
        const post = await libSigned(
          key,
          'POST',
          `${base}/v7/application`,
          body,
          alg === 'ed25519' ? 'sha-512' : 'sha-256',
        );
        expect(post.status, await post.clone().text()).toBe(201);
      },
    );

    it('Mooring refuses a library-signed request whose body was swapped in transit', async () => {
      const key = keys[0] as SigningKey;
      const body = JSON.stringify({
        app_name: 'lib-original',
        organization: org,
        is_for__device_type: deviceType,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-digest': await contentDigest(new TextEncoder().encode(body), 'sha-256'),
      };
      const url = `${base}/v7/application`;
      const signed = await lib.httpbis.signMessage(
        {
          key: lib.createSigner(libSigningKey(key), key.alg, key.keyId),
          fields: ['@method', '@authority', '@path', 'content-digest'],
          params: ['created', 'keyid', 'nonce'],
          paramValues: { created: new Date(t.clock.now()), nonce: 'lib-swapped-body-1' },
        },
        { method: 'POST', url, headers },
      );
      const res = await fetch(url, {
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body: body.replace('original', 'swapped!'),
      });
      expect(res.status).toBe(401);
    });

    it('a server verifying with the library accepts what Mooring signs, and refuses it tampered', async () => {
      const key = keys[1] as SigningKey;
      const publicKey = createPublicKey(libSigningKey(key) as KeyObject);
      const seen: boolean[] = [];
      const verifier: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const ok = await lib.httpbis.verifyMessage(
            {
              keyLookup: async () => ({
                id: key.keyId,
                algs: ['ed25519'],
                verify: lib.createVerifier(publicKey, 'ed25519'),
              }),
              requiredFields: ['@method', '@authority', '@path', '@query', 'content-digest'],
              requiredParams: ['created', 'keyid', 'nonce'],
            },
            {
              method: req.method ?? 'GET',
              url: `http://${req.headers.host}${req.url}`,
              headers: req.headers as Record<string, string>,
            },
          );
          seen.push(ok === true);
          res.writeHead(ok ? 200 : 401).end();
        });
      });
      await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = verifier.address() as AddressInfo;
        const url = new URL(`http://127.0.0.1:${port}/v7/device_tag?$select=id`);
        const body = '{"device":5,"tag_key":"room","value":"B12"}';
        const headers = await signRequest(
          { method: 'POST', authority: url.host, path: url.pathname, query: url.search, headers: {}, body },
          { keyId: key.keyId, alg: 'ed25519', key: key.material },
        );
        const good = await fetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        });
        expect(good.status).toBe(200);
        const moved = new URL(url);
        moved.pathname = '/v7/device';
        const bad = await fetch(moved, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        });
        expect(bad.status).toBe(401);
        expect(seen).toEqual([true, false]);
      } finally {
        await new Promise<void>((resolve) => verifier.close(() => resolve()));
      }
    });
  },
);
