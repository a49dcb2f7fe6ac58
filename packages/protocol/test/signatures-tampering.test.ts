import { describe, expect, it } from 'vitest';
import { signRequest, verifyRequestSignature } from '../src/signatures/profile.js';
import type { ReceivedRequest, SignatureFailureReason } from '../src/signatures/types.js';
import { utf8 } from './load-vectors.js';
import { caseNamed, hmacSecret, received, resolver, SKEW } from './mooring-vectors.js';

const patch = caseNamed('ed25519 PATCH'); // has query, body, port
const get = caseNamed('ed25519 GET without query'); // no query, no body

async function reason(
  request: ReceivedRequest,
  now = patch.verifyAt,
): Promise<SignatureFailureReason | 'ok'> {
  const r = await verifyRequestSignature(request, resolver().resolve, { now, ...SKEW });
  return r.ok ? 'ok' : r.reason;
}
const withHeaders = (req: ReceivedRequest, headers: ReceivedRequest['headers']): ReceivedRequest => ({
  ...req,
  headers: { ...req.headers, ...headers },
});

describe('tampering with a signed request', () => {
  const req = received(patch);

  it('the untouched request verifies', async () => {
    expect(await reason(req)).toBe('ok');
  });

  it.each<[string, SignatureFailureReason, Partial<ReceivedRequest>]>([
    ['method', 'bad_signature', { method: 'DELETE' }],
    ['path', 'bad_signature', { path: '/v7/application' }],
    ['path case', 'bad_signature', { path: '/v7/Device' }],
    ['query', 'bad_signature', { query: "?$filter=uuid%20eq%20'ffff'" }],
    ['query removed', 'bad_signature', { query: '' }],
    ['authority', 'bad_signature', { authority: 'evil.example:8080' }],
    ['authority port', 'bad_signature', { authority: 'mooring.local:8081' }],
    ['body', 'digest_mismatch', { body: utf8('{"device_name":"pump-4"}') }],
    ['body removed', 'digest_mismatch', { body: undefined }],
  ])('%s changed → %s', async (_what, expected, change) => {
    expect(await reason({ ...req, ...change })).toBe(expected);
  });

  it('body and Content-Digest swapped together → bad_signature', async () => {
    const body = utf8('{"device_name":"evil"}');
    const digest = (
      await signRequest({ ...patch.request, body }, { keyId: 'x', alg: 'hmac-sha256', key: hmacSecret })
    )['content-digest'];
    expect(await reason({ ...withHeaders(req, { 'content-digest': digest }), body })).toBe('bad_signature');
  });

  it('Content-Digest header removed → bad_signature (covered field absent)', async () => {
    const { 'content-digest': _dropped, ...headers } = req.headers;
    expect(await reason({ ...req, headers })).toBe('bad_signature');
  });

  it('signature bytes changed or truncated → bad_signature', async () => {
    const sig = patch.expected.headers.signature;
    const flipped = sig.replace(/:(.)/, (_m, ch: string) => `:${ch === 'A' ? 'B' : 'A'}`);
    expect(await reason(withHeaders(req, { signature: flipped }))).toBe('bad_signature');
    expect(await reason(withHeaders(req, { signature: 'sig1=:AAAA:' }))).toBe('bad_signature');
  });

  it.each([
    ['created', (s: string) => s.replace(`created=${patch.created}`, `created=${patch.created + 1}`)],
    ['nonce', (s: string) => s.replace(patch.nonce, 'another-nonce-123')],
    ['component order', (s: string) => s.replace('"@method" "@authority"', '"@authority" "@method"')],
    ['extra parameter', (s: string) => `${s};tag="x"`],
  ])('Signature-Input %s changed → bad_signature', async (_what, edit) => {
    const input = edit(patch.expected.headers['signature-input']);
    expect(await reason(withHeaders(req, { 'signature-input': input }))).toBe('bad_signature');
  });

  it('Signature-Input keyid changed → alg_mismatch or unknown_key', async () => {
    const input = patch.expected.headers['signature-input'];
    const toHmacKey = input.replace(patch.keyId, caseNamed('hmac').keyId);
    expect(await reason(withHeaders(req, { 'signature-input': toHmacKey }))).toBe('alg_mismatch');
    const toUnknown = input.replace(patch.keyId, 'no-such-key');
    expect(await reason(withHeaders(req, { 'signature-input': toUnknown }))).toBe('unknown_key');
  });

  it('adding a query or a body to a request signed without them → missing_component', async () => {
    const plain = received(get);
    expect(await reason(plain, get.verifyAt)).toBe('ok');
    expect(await reason({ ...plain, query: '?admin=1' }, get.verifyAt)).toBe('missing_component');
    expect(await reason({ ...plain, body: utf8('x') }, get.verifyAt)).toBe('missing_component');
  });

  it('tolerates safe transformations: header-name case, method case, host case', async () => {
    const renamed: Record<string, string> = {};
    for (const [k, value] of Object.entries(req.headers))
      if (typeof value === 'string') renamed[k.toUpperCase()] = value;
    expect(await reason({ ...req, headers: renamed })).toBe('ok');
    expect(await reason({ ...req, method: 'patch', authority: 'MOORING.local:8080' })).toBe('ok');
  });
});

describe('malformed credential headers', () => {
  const req = received(patch);
  const input = patch.expected.headers['signature-input'];
  const sig = patch.expected.headers.signature;

  it.each<[string, SignatureFailureReason, Record<string, string | undefined>]>([
    ['no Signature-Input', 'missing_headers', { 'signature-input': undefined }],
    ['no Signature', 'missing_headers', { signature: undefined }],
    ['labels differ', 'missing_headers', { signature: sig.replace('sig1=', 'sig2=') }],
    ['empty Signature-Input', 'missing_headers', { 'signature-input': '' }],
    ['garbage Signature-Input', 'malformed', { 'signature-input': 'sig1=("@method"' }],
    ['garbage Signature', 'malformed', { signature: 'sig1=:not base64!:' }],
    ['Signature is a string', 'malformed', { signature: 'sig1="abc"' }],
    ['Signature-Input is an item', 'malformed', { 'signature-input': 'sig1="@method"' }],
    [
      'component with parameters',
      'malformed',
      { 'signature-input': input.replace('"@method"', '"@method";req') },
    ],
    ['component as token', 'malformed', { 'signature-input': input.replace('"@path"', 'path') }],
    ['duplicate component', 'malformed', { 'signature-input': input.replace('"@path"', '"@path" "@path"') }],
    [
      'covers @signature-params',
      'malformed',
      { 'signature-input': input.replace('"@path"', '"@path" "@signature-params"') },
    ],
    [
      'unsupported derived component',
      'malformed',
      { 'signature-input': input.replace('"@path"', '"@path" "@status"') },
    ],
    [
      'upper-case field name',
      'missing_component',
      { 'signature-input': input.replace('"content-digest"', '"Content-Digest"') },
    ],
    [
      'covered header absent',
      'bad_signature',
      { 'signature-input': input.replace('"@path"', '"@path" "x-absent"') },
    ],
    ['oversized header', 'malformed', { signature: `sig1=:${'A'.repeat(9000)}:` }],
    ['malformed Content-Digest', 'malformed', { 'content-digest': 'sha-256=abc' }],
    ['unknown-only Content-Digest', 'digest_mismatch', { 'content-digest': 'md5=:AAAA:' }],
  ])('%s → %s', async (_what, expected, headers) => {
    expect(await reason(withHeaders(req, headers))).toBe(expected);
  });

  it('a header value that would inject a line into the base → malformed', async () => {
    const c = caseNamed('ed25519 POST with empty body');
    const injected = withHeaders(received(c), { 'x-balena-client': 'sdk\n"@method": GET' });
    expect(await reason(injected, c.verifyAt)).toBe('malformed');
  });

  it('selects the requested label among several signatures, first by default', async () => {
    const c = caseNamed('ed25519 POST with empty body'); // label "mooring"
    const r = received(c);
    const both = withHeaders(r, {
      'signature-input': `other=("@method");created=1, ${c.expected.headers['signature-input']}`,
      signature: `other=:AAAA:, ${c.expected.headers.signature}`,
    });
    const first = await verifyRequestSignature(both, resolver().resolve, { now: c.verifyAt, ...SKEW });
    expect(first).toEqual({ ok: false, reason: 'missing_component' });
    const chosen = await verifyRequestSignature(both, resolver().resolve, {
      now: c.verifyAt,
      ...SKEW,
      label: 'mooring',
    });
    expect(chosen.ok).toBe(true);
  });

  it('joins repeated Signature lines given as arrays', async () => {
    const c = caseNamed('ed25519 POST with empty body');
    const r = received(c);
    const split = withHeaders(r, {
      'signature-input': ['other=("@method");created=1', c.expected.headers['signature-input']].join(', '),
    });
    const lines: ReceivedRequest = {
      ...split,
      headers: { ...split.headers, signature: ['other=:AAAA:', c.expected.headers.signature] },
    };
    const out = await verifyRequestSignature(lines, resolver().resolve, {
      now: c.verifyAt,
      ...SKEW,
      label: 'mooring',
    });
    expect(out.ok).toBe(true);
  });
});
