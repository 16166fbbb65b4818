// The pieces of OIDC sign-in that need no server: where a sign-in may return to, the sealed
// sign-in cookie, and the portal's OIDC flags.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserEndpointUrl } from '../src/portal/signin/browser-endpoint.js';
import { loadOidcOptions, OIDC_CLIENT_SECRET_ENV } from '../src/portal/signin/oidc-config.js';
import { safeReturnTo, signInPath } from '../src/portal/signin/return-to.js';
import { seal, sealKey } from '../src/portal/signin/seal.js';
import { type Session, sessionCookies } from '../src/portal/signin/session.js';
import { SIGN_IN_MAX_AGE_MS, signInStateCookies } from '../src/portal/signin/sign-in-state.js';

const key = sealKey('a session secret of at least thirty-two bytes');
const cookieHeader = (setCookie: string) => setCookie.split(';')[0];

describe('returnTo', () => {
  it('takes paths on the portal, with query and fragment', () => {
    for (const ok of ['/', '/desktops/abc?tab=console#top', '/a%2F%2Fb']) expect(safeReturnTo(ok)).toBe(ok);
  });

  it('refuses anything a browser could take to another origin', () => {
    for (const bad of [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'desktops',
      '/\tevil',
      '/\n/evil.example',
      '',
      `/${'a'.repeat(3000)}`,
    ])
      expect(safeReturnTo(bad), JSON.stringify(bad)).toBeUndefined();
    expect(safeReturnTo(undefined)).toBeUndefined();
  });

  it('is carried in the query of /auth/login', () => {
    expect(signInPath('/?view=desktops')).toBe('/auth/login?returnTo=%2F%3Fview%3Ddesktops');
  });
});

describe('the sign-in cookie', () => {
  const state = signInStateCookies(key);
  const now = 1_800_000_000_000;
  const pending = {
    state: 's',
    nonce: 'n',
    codeVerifier: 'v'.repeat(43),
    redirectUri: 'http://127.0.0.1:8080/auth/callback',
    returnTo: '/',
    startedAt: now,
  };

  it('round-trips for 10 minutes, HttpOnly, and __Host- when Secure', () => {
    const set = state.write(pending, false);
    expect(set).toMatch(/^kubevdi-sign-in=v1\.[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
    expect(set).not.toContain(pending.codeVerifier);
    expect(state.read(cookieHeader(set), false, now + 1000)).toEqual(pending);
    expect(state.read(cookieHeader(set), false, now + SIGN_IN_MAX_AGE_MS)).toBeUndefined();
    expect(state.write(pending, true)).toMatch(/^__Host-kubevdi-sign-in=.*; Secure$/);
    expect(state.clear(false)).toMatch(/^kubevdi-sign-in=; Path=\/; Max-Age=0/);
  });

  it('is not a session, and a session is not it', () => {
    const session: Session = { method: 'oidc', token: 't', expiresAt: now + 1000, signedInAt: now };
    const sessionValue = cookieHeader(sessionCookies(key).write(session, undefined, false, now)[0] as string)?.split(
      '=',
    )[1];
    expect(state.read(`kubevdi-sign-in=${sessionValue}`, false, now)).toBeUndefined();
    expect(state.read(`kubevdi-sign-in=${seal(key, 'session', JSON.stringify(pending))}`, false, now)).toBeUndefined();
  });
});

describe('OIDC sessions', () => {
  it('outlive their ID token until keepUntil, so they can be renewed or sent back to the page', () => {
    const cookies = sessionCookies(key);
    const now = 1_800_000_000_000;
    const session: Session = {
      method: 'oidc',
      token: 't',
      refreshToken: 'r',
      expiresAt: now + 2000,
      keepUntil: now + 3600_000,
      signedInAt: now,
    };
    const set = cookies.write(session, undefined, false, now);
    expect(set[0]).toMatch(/Max-Age=3600;/);
    const header = set.map(cookieHeader).join('; ');
    expect(cookies.read(header, false, now + 10_000)).toEqual(session);
    expect(cookies.read(header, false, now + 3600_000)).toBeUndefined();
  });
});

describe('portal OIDC flags', () => {
  it('are off without an issuer, and need a client ID and a secret with one', async () => {
    expect(await loadOidcOptions({}, {})).toBeUndefined();
    await expect(loadOidcOptions({ clientId: 'x' }, {})).rejects.toThrow(/need --oidc-issuer/);
    await expect(loadOidcOptions({ issuer: 'https://idp.example' }, {})).rejects.toThrow(/--oidc-client-id/);
    await expect(loadOidcOptions({ issuer: 'https://idp.example', clientId: 'portal' }, {})).rejects.toThrow(
      OIDC_CLIENT_SECRET_ENV,
    );
  });

  it('read the secret from a file or the environment and the CA from a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kubevdi-oidc-'));
    await writeFile(path.join(dir, 'secret'), 'from-file\n');
    await writeFile(path.join(dir, 'ca.pem'), 'PEM');
    const flags = { issuer: 'https://idp.example', clientId: 'portal' };
    expect(await loadOidcOptions(flags, { [OIDC_CLIENT_SECRET_ENV]: 'from-env' })).toEqual({
      ...flags,
      clientSecret: 'from-env',
      caPem: undefined,
    });
    expect(
      await loadOidcOptions(
        { ...flags, clientSecretFile: path.join(dir, 'secret'), caFile: path.join(dir, 'ca.pem') },
        { [OIDC_CLIENT_SECRET_ENV]: 'from-env' },
      ),
    ).toEqual({ ...flags, clientSecret: 'from-file', caPem: 'PEM' });
  });
});

describe("the issuer's pages a browser is sent to", () => {
  it('are https, or plain http on loopback only', () => {
    const params = { client_id: 'kubevdi-portal' };
    expect(browserEndpointUrl('authorization_endpoint', 'https://idp.example/auth?x=1', params).href).toBe(
      'https://idp.example/auth?x=1&client_id=kubevdi-portal',
    );
    expect(browserEndpointUrl('end_session_endpoint', 'http://127.0.0.1:4000/session/end', params).origin).toBe(
      'http://127.0.0.1:4000',
    );
    for (const bad of ['http://idp.example/auth', 'http://127.0.0.1.evil.example/auth', 'javascript:alert(1)'])
      expect(() => browserEndpointUrl('authorization_endpoint', bad, params), bad).toThrow(/must be https/);
  });
});
