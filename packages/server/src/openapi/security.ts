import type { RouteAccess } from '../auth/access.js';

type Requirement = Record<string, string[]>;

/**
 * The credentials Mooring accepts (DESIGN.md §4). RFC 9421 signatures are not an OpenAPI security
 * scheme type, so they are declared as the `Signature` header with the profile in `x-mooring-signature`.
 */
export const SECURITY_SCHEMES = {
  bearerSession: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Session token from `POST /login_` (HS256 JWT, 7 days by default); refresh with `GET /user/v1/refresh-token`.',
  },
  bearerKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'Mooring API key (mk_u_…, mk_p_…, mk_d_…)',
    description:
      'A named user key, provisioning key or device key (docs/key-format.md). Keys marked "requires signature" are refused in this form.',
  },
  apiKeyQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'apikey',
    description:
      'The same API keys in the query string, as devices and older balena tools send them. Redacted from logs; refused for "header only" keys.',
  },
  httpSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Signature',
    description:
      'RFC 9421 HTTP Message Signature with a signing key (no bearer credential at the same time). See `x-mooring-signature` and docs/signatures.md.',
    'x-mooring-signature': {
      specification: 'RFC 9421 (HTTP Message Signatures) with RFC 9530 Content-Digest',
      headers: ['Signature-Input', 'Signature', 'Content-Digest'],
      algorithms: ['hmac-sha256', 'ed25519'],
      requiredComponents: [
        '@method',
        '@authority',
        '@path',
        '@query (when there is a query)',
        'content-digest (when there is a body)',
      ],
      requiredParameters: ['created', 'keyid', 'nonce'],
      optionalParameters: ['alg', 'expires'],
      keyid: 'the public id of the Mooring key (never the secret)',
      maxClockSkewSeconds: 300,
      nonce: 'single use within the window, 8–128 characters',
      digestAlgorithms: ['sha-256', 'sha-512'],
    },
  },
} as const;

const SESSION: Requirement = { bearerSession: [] };
const KEY_FORMS: Requirement[] = [{ bearerKey: [] }, { apiKeyQuery: [] }, { httpSignature: [] }];

/** The OpenAPI security requirements of a route, derived from its declared `config.access`. */
export function securityFor(access: RouteAccess | undefined): Requirement[] {
  // `{}` first: credentials are optional on public routes (still verified when present).
  if (access === undefined || access === 'public') return [{}, SESSION, ...KEY_FORMS];
  // A fresh password login is only ever carried by a session token.
  const sessionOnly = access.freshLogin === true || access.via?.every((via) => via === 'session') === true;
  if (sessionOnly) return [SESSION];
  return access.actors.includes('user') ? [SESSION, ...KEY_FORMS] : KEY_FORMS;
}

/** A human sentence for `x-mooring-access`. */
export function describeAccess(access: RouteAccess | undefined): string {
  if (access === undefined || access === 'public')
    return 'public (credentials optional; row permissions apply)';
  const who = access.actors.join(', ');
  const via = access.via ? ` via ${access.via.join(', ')}` : '';
  const fresh = access.freshLogin ? ' (session with a recent password login)' : '';
  return `${who}${via}${access.admin ? ' (instance administrators only)' : ''}${fresh}`;
}
