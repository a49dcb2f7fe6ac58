/**
 * The signed reference design of the HTTP benchmark (issue #21 point 2), run as its own process by
 * scripts/bench-reference.ts: bare Fastify plus one signature verification per request over a
 * signature base precomputed at start-up (the shape and size of the scenario's), then the same answer
 * bytes as Mooring from an in-memory map of device states. Ed25519 requests pay one Ed25519
 * verification on libuv's thread pool (node:crypto's callback form, as Mooring verifies); HMAC
 * requests pay one HMAC-SHA256 and a constant-time compare. Nothing else: no parsing of the
 * signature headers, no replay store, no credential, no OData. It is the verification limit a
 * signed read can reach on this machine.
 */
import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';

/** A signature base of the size the benchmark's signed status reads have. */
export const SIGNATURE_BASE = Buffer.from(
  `"@method": GET\n"@authority": 127.0.0.1:8080\n"@path": /v7/device\n"@query": ?$filter=uuid%20eq%20'0123456789abcdef0123456789abcdef'&$select=uuid,api_heartbeat_state,is_online\n"@signature-params": ("@method" "@authority" "@path" "@query");created=1700000000;keyid="mk_0123456789";alg="ed25519";nonce="0123456789abcdefghij"`,
);

/** `file`: a database written by writeReferenceDatabase (only its device states are read, once). */
export function signedReferenceApp(file: string): FastifyInstance {
  const db = new SQLite(file, { readonly: true });
  const states = new Map<string, string>();
  try {
    const rows = db.prepare('SELECT uuid, api_heartbeat_state FROM device').all() as {
      uuid: string;
      api_heartbeat_state: string;
    }[];
    for (const row of rows) states.set(row.uuid, row.api_heartbeat_state);
  } finally {
    db.close();
  }
  const pair = generateKeyPairSync('ed25519');
  const edSignature = sign(null, SIGNATURE_BASE, pair.privateKey);
  const secret = createSecretKey(randomBytes(32));
  const hmacSignature = createHmac('sha256', secret).update(SIGNATURE_BASE).digest();

  const answer = (filter: string): string => {
    const uuid = filter.slice(filter.indexOf("'") + 1, filter.lastIndexOf("'"));
    const state = states.get(uuid);
    const rows = state ? [{ uuid, api_heartbeat_state: state, is_online: state === 'online' }] : [];
    return JSON.stringify({ d: rows });
  };

  const app = Fastify({ logger: false });
  app.get<{ Querystring: { $filter?: string } }>('/v7/device', (request, reply) => {
    const input = request.headers['signature-input'];
    if (typeof input !== 'string' || typeof request.headers.signature !== 'string') {
      reply.code(401).send();
      return;
    }
    const filter = request.query.$filter ?? '';
    if (input.includes('alg="hmac-sha256"')) {
      const mac = createHmac('sha256', secret).update(SIGNATURE_BASE).digest();
      if (!timingSafeEqual(mac, hmacSignature)) reply.code(401).send();
      else reply.type('application/json').send(answer(filter));
      return;
    }
    verify(null, SIGNATURE_BASE, pair.publicKey, edSignature, (error, valid) => {
      if (error || !valid) reply.code(401).send();
      else reply.type('application/json').send(answer(filter));
    });
    return reply;
  });
  return app;
}
