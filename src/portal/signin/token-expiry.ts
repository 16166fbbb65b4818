// When a bearer token stops working, so the session ends with it. Only the `exp` claim is read,
// and only to time the cookie: who the person is always comes from the API server, which checks
// the signature; a forged `exp` gains nothing, the API server refuses the token regardless.

/** The token's expiry (ms since the epoch) when it is a JWT with a numeric `exp`, else undefined. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The session's end: the JWT's expiry when there is one, else `maxAgeMs` from now. */
export function sessionExpiry(token: string, maxAgeMs: number, now = Date.now()): number {
  return jwtExpiry(token) ?? now + maxAgeMs;
}
