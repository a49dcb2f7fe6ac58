/*
 * Verifying a Mooring webhook (Standard Webhooks, https://www.standardwebhooks.com): WebCrypto only,
 * so it runs in Node.js ≥ 20, browsers, Deno and edge runtimes. The signed content is
 * `<webhook-id>.<webhook-timestamp>.<raw body>`; `webhook-signature` carries `v1,<HMAC-SHA256>` (one
 * per active secret: two during a rotation) and `v1a,<Ed25519>`, space-separated.
 */

/**
 * Why a webhook was refused; `reason` is stable for programs.
 *
 * @example
 * try { await verifyWebhook(headers, body, secret); } catch (e) { if (e instanceof WebhookVerificationError) res.status(400); }
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: 'missing_headers' | 'bad_key' | 'timestamp' | 'signature',
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyWebhookOptions {
  /** Largest accepted difference between `webhook-timestamp` and now, seconds; default 300. */
  readonly toleranceSeconds?: number;
  /** Milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
}

/** A verified webhook: the Standard Webhooks envelope with the Mooring event in `data`. */
export interface VerifiedWebhook<T = Record<string, unknown>> {
  readonly type: string;
  readonly timestamp: string;
  readonly data: T;
  /** The `webhook-id`: de-duplicate on it (the same for every retry and redelivery). */
  readonly webhookId: string;
}

type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v.join(' ') : (v as string | undefined);
  }
  return undefined;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text);
    const out = new Uint8Array(new ArrayBuffer(binary.length));
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Compares without an early exit (the HMAC is secret-dependent). */
function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies a webhook's signature and freshness and returns its parsed body. Pass the RAW body (the
 * exact bytes received, not re-serialized JSON), and either the endpoint's `whsec_` secret (checks
 * the `v1,` HMAC signatures) or its `whpk_` public key (checks the `v1a,` Ed25519 signature).
 * Throws {@link WebhookVerificationError} otherwise.
 *
 * @example
 * app.post('/hooks/mooring', express.text({ type: '*\/*' }), async (req, res) => {
 *   const event = await verifyWebhook(req.headers, req.body, process.env.MOORING_WEBHOOK_SECRET);
 *   if (!(await alreadySeen(event.webhookId))) handle(event.type, event.data);
 *   res.sendStatus(204);
 * });
 */
export async function verifyWebhook<T = Record<string, unknown>>(
  headers: HeaderSource,
  body: string | Uint8Array,
  secretOrPublicKey: string,
  options: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook<T>> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signature)
    throw new WebhookVerificationError(
      'missing_headers',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    );
  const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Number.isNaN(seconds) || Math.abs(now - seconds) > tolerance)
    throw new WebhookVerificationError('timestamp', 'webhook-timestamp is missing or too far from now');
  const bodyBytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const content = new Uint8Array(new ArrayBuffer(prefix.length + bodyBytes.length));
  content.set(prefix);
  content.set(bodyBytes, prefix.length);
  const offered = signature.split(' ');
  const subtle = globalThis.crypto.subtle;
  let ok = false;
  if (secretOrPublicKey.startsWith('whsec_')) {
    const secret = fromBase64(secretOrPublicKey.slice(6));
    if (!secret || secret.length === 0) throw new WebhookVerificationError('bad_key', 'not a whsec_ secret');
    const key = await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const expected = `v1,${toBase64(new Uint8Array(await subtle.sign('HMAC', key, content)))}`;
    ok = offered.reduce((found, s) => equal(s, expected) || found, false);
  } else if (secretOrPublicKey.startsWith('whpk_')) {
    const raw = fromBase64(secretOrPublicKey.slice(5));
    if (!raw || raw.length !== 32) throw new WebhookVerificationError('bad_key', 'not a whpk_ public key');
    const key = await subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    for (const s of offered) {
      if (!s.startsWith('v1a,')) continue;
      const sig = fromBase64(s.slice(4));
      if (sig && (await subtle.verify('Ed25519', key, sig, content))) ok = true;
    }
  } else {
    throw new WebhookVerificationError('bad_key', 'expected a whsec_ secret or a whpk_ public key');
  }
  if (!ok) throw new WebhookVerificationError('signature', 'no valid signature for this key');
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const parsed = JSON.parse(text) as { type: string; timestamp: string; data: T };
  return { type: parsed.type, timestamp: parsed.timestamp, data: parsed.data, webhookId: id };
}
