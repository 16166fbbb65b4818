import { describe, expect, it } from 'vitest';
import { authenticationConfiguration } from '../../local/devcluster/authentication.js';
import { loginPage } from '../../local/devcluster/oidc-login-page.js';

describe('authenticationConfiguration', () => {
  const trust = { issuer: 'https://localhost:4444', caPem: 'PEM', clientIds: ['kubevdi-portal'] };

  it('maps email and groups with the oidc: prefix and trusts the given CA', () => {
    expect(authenticationConfiguration([trust])).toEqual({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'AuthenticationConfiguration',
      jwt: [
        {
          issuer: { url: 'https://localhost:4444', audiences: ['kubevdi-portal'], certificateAuthority: 'PEM' },
          claimMappings: {
            username: { claim: 'email', prefix: 'oidc:' },
            groups: { claim: 'groups', prefix: 'oidc:' },
          },
        },
      ],
    });
  });

  it('says MatchAny for several audiences, as the API server demands', () => {
    const config = authenticationConfiguration([{ ...trust, clientIds: ['a', 'b'] }]) as {
      jwt: { issuer: Record<string, unknown> }[];
    };
    expect(config.jwt[0]?.issuer.audienceMatchPolicy).toBe('MatchAny');
  });

  it('refuses an http issuer and an issuer without clients', () => {
    expect(() => authenticationConfiguration([{ ...trust, issuer: 'http://localhost:4444' }])).toThrow(/https/);
    expect(() => authenticationConfiguration([{ ...trust, clientIds: [] }])).toThrow(/client id/);
  });
});

describe('loginPage', () => {
  it('labels its inputs, escapes what it echoes and has no script', () => {
    const html = loginPage({
      action: '/interaction/x',
      clientId: 'kubevdi-portal',
      username: '"><script>',
      error: 'No.',
    });
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('<p role="alert">No.</p>');
    expect(html).not.toMatch(/<script/i);
  });
});
