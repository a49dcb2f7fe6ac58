import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { principalOf, type RouteAccess } from '../../src/auth/access.js';
import { registerAuthentication } from '../../src/auth/authenticate.js';
import {
  type BearerVerifier,
  CredentialVerifiers,
  type RequestVerifier,
} from '../../src/auth/credential-verifier.js';
import type { PresentedCredential } from '../../src/auth/credentials.js';
import type { Principal } from '../../src/auth/principal.js';
import { sendError } from '../../src/http/error-handler.js';

/*
 * The authentication hook on its own (auth/authenticate.ts), with credential kinds written for the
 * test: what app.ts does with sessions, API keys and signatures, a new kind does the same way
 * without any change to auth/. The real kinds are covered through buildApp by the other tests here
 * and in test/security, test/signatures.
 */

const NOW = 1_700_000_000_000;
const FRESH_SECONDS = 600;

function principal(overrides: Partial<Principal>): Principal {
  return {
    actorId: 1,
    kind: 'user',
    via: 'session',
    userId: 1,
    applicationId: undefined,
    deviceId: undefined,
    isAdmin: false,
    sessionId: 's1',
    authTime: NOW,
    apiKeyId: undefined,
    limits: undefined,
    ...overrides,
  };
}

/** Tokens `t:<name>`, known from a fixed table. */
class TableTokens implements BearerVerifier {
  resolved = 0;
  constructor(private readonly table: Readonly<Record<string, Principal>>) {}
  owns(token: string): boolean {
    return token.startsWith('t:');
  }
  async resolve(credential: PresentedCredential): Promise<Principal | null> {
    this.resolved++;
    return this.table[credential.value.slice(2)] ?? null;
  }
}

/** A whole-request kind: header `x-test-sig: <name>`, reading the body like a signature does. */
class HeaderSignature implements RequestVerifier {
  bodies: string[] = [];
  constructor(private readonly table: Readonly<Record<string, Principal>>) {}
  presents(request: { headers: Record<string, unknown> }): boolean {
    return request.headers['x-test-sig'] !== undefined;
  }
  async verify(
    request: { headers: Record<string, unknown> },
    _reply: unknown,
    payload: AsyncIterable<Buffer | string>,
  ): Promise<{ principal: Principal; payload: Readable }> {
    const chunks: Buffer[] = [];
    for await (const chunk of payload) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks).toString();
    this.bodies.push(body);
    const found = this.table[String(request.headers['x-test-sig'])];
    if (!found) throw Object.assign(new Error('refused'), { statusCode: 401 });
    return { principal: found, payload: Readable.from([Buffer.from(body)]) };
  }
}

const TABLE: Record<string, Principal> = {
  fresh: principal({}),
  stale: principal({ authTime: NOW - (FRESH_SECONDS + 1) * 1000 }),
  key: principal({ via: 'api-key', sessionId: undefined, authTime: undefined, apiKeyId: 7 }),
  signed: principal({ via: 'signature', sessionId: undefined, authTime: undefined, apiKeyId: 8 }),
  device: principal({ kind: 'device', via: 'api-key', sessionId: undefined, apiKeyId: 9, deviceId: 3 }),
};

describe('the authentication hook', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  async function build(): Promise<{
    app: FastifyInstance;
    used: number[];
    tokens: TableTokens;
    signatures: HeaderSignature;
  }> {
    const used: number[] = [];
    const tokens = new TableTokens(TABLE);
    const signatures = new HeaderSignature(TABLE);
    const instance = Fastify();
    instance.setErrorHandler((error, request, reply) => sendError(error, request, reply));
    registerAuthentication(instance, {
      verifiers: new CredentialVerifiers().addBearer(tokens).addRequest(signatures),
      usage: { record: (id) => used.push(id) },
      freshLogin: { now: () => NOW, seconds: FRESH_SECONDS },
    });
    const route = (url: string, access: RouteAccess) =>
      instance.post(url, { config: { access, wire: 'mooring' } }, async (request) => ({
        via: principalOf(request).via,
        body: request.body ?? null,
      }));
    route('/mooring/any-user', { actors: ['user'] });
    route('/mooring/fresh', { actors: ['user'], freshLogin: true });
    instance.get('/mooring/public', { config: { access: 'public', wire: 'mooring' } }, async (request) => ({
      anonymous: request.principal === null,
    }));
    await instance.ready();
    app = instance;
    return { app: instance, used, tokens, signatures };
  }

  const post = (target: FastifyInstance, url: string, headers: Record<string, string>) =>
    target.inject({ method: 'POST', url, headers, payload: { hello: 'world' } });

  it('refuses to register a route that declares no access', async () => {
    const instance = Fastify();
    registerAuthentication(instance, {
      verifiers: new CredentialVerifiers(),
      usage: { record: () => undefined },
      freshLogin: { now: () => NOW, seconds: FRESH_SECONDS },
    });
    expect(() => instance.get('/undeclared', async () => 'x')).toThrow(/does not declare config.access/);
    await instance.close();
  });

  it('resolves a bearer token through the kind that owns it, recording a key’s use once', async () => {
    const t = await build();
    const key = await post(t.app, '/mooring/any-user', { authorization: 'Bearer t:key' });
    expect(key.statusCode, key.body).toBe(200);
    expect(key.json()).toEqual({ via: 'api-key', body: { hello: 'world' } });
    const session = await t.app.inject({
      method: 'POST',
      url: '/mooring/any-user',
      headers: { authorization: 'Bearer t:fresh' },
    });
    expect(session.statusCode).toBe(200);
    expect(t.tokens.resolved).toBe(2);
    expect(t.used).toEqual([7]);
  });

  it('a whole-request credential reads the body once and hands it on to the parser', async () => {
    const t = await build();
    const answer = await post(t.app, '/mooring/any-user', {
      'x-test-sig': 'signed',
      'content-type': 'application/json',
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({ via: 'signature', body: { hello: 'world' } });
    expect(t.signatures.bodies).toEqual(['{"hello":"world"}']);
    expect(t.used).toEqual([8]);
  });

  it('refuses a whole-request credential next to a bearer token (400), before reading the body', async () => {
    const t = await build();
    const both: Record<string, string>[] = [
      { 'x-test-sig': 'signed', authorization: 'Bearer t:key' },
      { 'x-test-sig': 'signed', authorization: 'not even bearer' },
    ];
    for (const headers of both) {
      const answer = await post(t.app, '/mooring/any-user', headers);
      expect(answer.statusCode).toBe(400);
      expect(answer.json().error.code).toBe('ambiguous_credentials');
    }
    const query = await t.app.inject({
      method: 'POST',
      url: '/mooring/any-user?apikey=t:key',
      headers: { 'x-test-sig': 'signed' },
    });
    expect(query.statusCode).toBe(400);
    expect(t.signatures.bodies).toEqual([]);
    expect(t.used).toEqual([]);
  });

  it('answers an unknown token or a token no kind owns with one 401, even on a public route', async () => {
    const t = await build();
    for (const token of ['t:nobody', 'unowned']) {
      const answer = await t.app.inject({
        method: 'GET',
        url: '/mooring/public',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.statusCode).toBe(401);
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/mooring/public' });
    expect(anonymous.json()).toEqual({ anonymous: true });
  });

  it('freshLogin admits only a session with a recent password login: 401 with a challenge otherwise', async () => {
    const t = await build();
    expect((await post(t.app, '/mooring/fresh', { authorization: 'Bearer t:fresh' })).statusCode).toBe(200);
    const stale: Record<string, string>[] = [
      { authorization: 'Bearer t:stale' },
      { authorization: 'Bearer t:key' },
      { 'x-test-sig': 'signed' },
    ];
    for (const headers of stale) {
      const refused = await post(t.app, '/mooring/fresh', headers);
      expect(refused.statusCode, JSON.stringify(headers)).toBe(401);
      expect(refused.json().error.message).toBe('Fresh authentication token required');
      expect(refused.headers['www-authenticate']).toBe(
        `Bearer realm="mooring", error="insufficient_user_authentication", error_description="A password login within ${FRESH_SECONDS} s is required", max_age=${FRESH_SECONDS}`,
      );
    }
    // Another kind of actor is refused for what it is (403), as on any user route.
    const device = await post(t.app, '/mooring/fresh', { authorization: 'Bearer t:device' });
    expect(device.statusCode).toBe(403);
    // Refused before the body is parsed: a malformed body does not turn the 401 into a 400.
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/mooring/fresh',
      headers: { authorization: 'Bearer t:stale', 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(malformed.statusCode).toBe(401);
  });
});
