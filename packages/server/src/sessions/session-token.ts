import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * Session JWT claims (docs/session-tokens.md). `id`, `authTime`, `iat` and `exp` are what balena-sdk
 * reads or expects (COMPAT.md A1); `jti` ties the token to a revocable `session` row.
 */
export interface SessionClaims {
  readonly id: number;
  readonly jti: string;
  /** Epoch ms of the password login; unchanged by refreshes. */
  readonly authTime: number;
  readonly iat: number;
  readonly exp: number;
}

export async function signSessionToken(
  key: Uint8Array,
  claims: { userId: number; sessionId: string; authTime: number; issuedAtMs: number; expiresAtMs: number },
): Promise<string> {
  return new SignJWT({ id: claims.userId, authTime: claims.authTime })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setJti(claims.sessionId)
    .setIssuedAt(Math.floor(claims.issuedAtMs / 1000))
    .setExpirationTime(Math.floor(claims.expiresAtMs / 1000))
    .sign(key);
}

/**
 * Verifies signature and expiry. The algorithm is pinned to HS256 so that `alg: none` or an
 * asymmetric algorithm in the header can never be accepted. Returns null for every failure: the caller
 * answers one uniform 401.
 */
export async function verifySessionToken(
  key: Uint8Array,
  token: string,
  nowMs: number,
): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      currentDate: new Date(nowMs),
      requiredClaims: ['jti', 'exp', 'iat'],
    });
    const { id, authTime, jti, iat, exp } = payload as Record<string, unknown>;
    if (
      typeof id !== 'number' ||
      typeof authTime !== 'number' ||
      typeof jti !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      return null;
    }
    return { id, authTime, jti, iat, exp };
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
    throw error;
  }
}
