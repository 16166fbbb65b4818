// The portal's sealed cookie sessions, without a server: what a browser could hold, forge or replay.
import { describe, expect, it } from 'vitest';
import { parseCookies } from '../src/portal/signin/cookies.js';
import { seal, sealKey, unseal } from '../src/portal/signin/seal.js';
import { CHUNK_BYTES, type Session, sessionCookies } from '../src/portal/signin/session.js';
import { REFRESH_BEFORE_MS, renewalDue } from '../src/portal/signin/session-renewal.js';
import { jwtExpiry, sessionExpiry } from '../src/portal/signin/token-expiry.js';

const SECRET = 'a session secret of at least thirty-two bytes';
const now = 1_800_000_000_000;
const session = (token: string, extra: Partial<Session> = {}): Session => ({
  method: 'token',
  token,
  expiresAt: now + 3600_000,
  signedInAt: now,
  ...extra,
});
/** The Cookie header a browser sends back for these Set-Cookie values. */
const cookieHeader = (setCookies: string[]) => setCookies.map((c) => c.split(';')[0]).join('; ');

describe('sealing', () => {
  it('opens only what the same secret sealed for the same purpose, unchanged', () => {
    const key = sealKey(SECRET);
    const sealed = seal(key, 'session', 'hello');
    expect(unseal(key, 'session', sealed)).toBe('hello');
    expect(unseal(key, 'state', sealed)).toBeUndefined();
    expect(unseal(sealKey(`${SECRET}!`), 'session', sealed)).toBeUndefined();
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`;
    expect(unseal(key, 'session', flipped)).toBeUndefined();
    expect(seal(key, 'session', 'hello')).not.toBe(sealed); // a fresh IV every time
  });

  it('refuses short secrets', () => {
    expect(() => sealKey('short')).toThrow(/at least 32 bytes/);
  });
});

describe('session cookies', () => {
  const cookies = sessionCookies(sealKey(SECRET));

  it('round-trips a session without the token in the cookie', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    const set = cookies.write(session(token), undefined, false, now);
    expect(set).toHaveLength(1);
    expect(set[0]).toMatch(/^kubevdi-session\.0=v1\.[\w-]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
    expect(set.join('')).not.toContain('c2lnbmF0dXJl');
    expect(cookies.read(cookieHeader(set), false, now)?.token).toBe(token);
  });

  it('is Secure with the __Host- prefix except on plain-http loopback', () => {
    const set = cookies.write(session('t'), undefined, true, now);
    expect(set[0]).toMatch(/^__Host-kubevdi-session\.0=.*; Secure$/);
    expect(cookies.read(cookieHeader(set), true, now)?.token).toBe('t');
    // A cookie set without Secure is not read as a Secure one.
    expect(cookies.read(cookieHeader(cookies.write(session('t'), undefined, false, now)), true, now)).toBeUndefined();
  });

  it('splits a large session (ID token and refresh token) over several cookies and cleans up after', () => {
    const big = session('x'.repeat(5000), { method: 'oidc', refreshToken: 'r'.repeat(3000) });
    const set = cookies.write(big, undefined, false, now);
    expect(set.length).toBeGreaterThan(2);
    for (const c of set) expect((c.split(';')[0] as string).length).toBeLessThanOrEqual(CHUNK_BYTES + 20);
    expect(cookies.read(cookieHeader(set), false, now)).toEqual(big);
    // A smaller session later deletes the chunks it no longer needs.
    const smaller = cookies.write(session('small'), cookieHeader(set), false, now);
    expect(smaller.filter((c) => c.includes('Max-Age=0'))).toHaveLength(set.length - 1);
    expect(cookies.clear(cookieHeader(set), false)).toHaveLength(set.length);
  });

  it('ends with its expiry and refuses forged or truncated cookies', () => {
    const set = cookies.write(session('t'), undefined, false, now);
    expect(cookies.read(cookieHeader(set), false, now + 3600_000)).toBeUndefined();
    expect(cookies.read('kubevdi-session.0=v1.AAAA', false, now)).toBeUndefined();
    expect(cookies.read(undefined, false, now)).toBeUndefined();
    const big = cookies.write(session('y'.repeat(6000)), undefined, false, now);
    expect(cookies.read(cookieHeader(big.slice(0, 1)), false, now)).toBeUndefined();
  });

  it('parses Cookie headers as browsers send them', () => {
    expect([...parseCookies('a=1; b=x=y;c=3; a=shadow')]).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
      ['c', '3'],
    ]);
  });
});

describe('token expiry', () => {
  const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
  it("is the JWT's exp, else the configured maximum age", () => {
    expect(jwtExpiry(jwt({ exp: 1_800_003_600 }))).toBe(1_800_003_600_000);
    expect(jwtExpiry(jwt({ exp: 'soon' }))).toBeUndefined();
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(sessionExpiry('opaque-token', 60_000, now)).toBe(now + 60_000);
  });
});

describe('when an OIDC session goes back to the issuer', () => {
  const oidc = (extra: Partial<Session> = {}) => session('id-token', { method: 'oidc', ...extra });
  const minutes = (n: number) => n * 60_000;

  it('is before its ID token runs out, and at least every check interval while it can renew', () => {
    expect(renewalDue(oidc({ refreshToken: 'r', checkedAt: now }), minutes(5))).toBe(now + minutes(5));
    // Cookies from before checkedAt count from the sign-in.
    expect(renewalDue(oidc({ refreshToken: 'r' }), minutes(5))).toBe(now + minutes(5));
    expect(renewalDue(oidc({ refreshToken: 'r', checkedAt: now }), minutes(90))).toBe(
      now + 3600_000 - REFRESH_BEFORE_MS,
    );
  });

  it('is only its expiry when there is nothing to renew it with', () => {
    expect(renewalDue(oidc({ checkedAt: now }), minutes(5))).toBe(now + 3600_000 - REFRESH_BEFORE_MS);
  });
});
