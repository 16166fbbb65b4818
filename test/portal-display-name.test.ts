// What the header calls the signed-in person: their name, not the Kubernetes user name.
import { describe, expect, it } from 'vitest';
import { displayName, nameFromClaims, signedInAs } from '../src/portal/display-name.js';

describe('the name in the header', () => {
  it("is the ID token's name, else its email", () => {
    expect(nameFromClaims({ name: ' Ada  Lovelace ', email: 'ada@example.com' })).toBe('Ada Lovelace');
    expect(nameFromClaims({ name: '', email: 'ada@example.com' })).toBe('ada@example.com');
    expect(nameFromClaims({ name: 42 })).toBeUndefined();
    expect(nameFromClaims({ name: 'x'.repeat(200) })).toHaveLength(80);
  });

  it('is the user name without its prefix when the sign-in named no one', () => {
    expect(displayName('oidc:ada@example.com', 'Ada Lovelace')).toBe('Ada Lovelace');
    expect(displayName('oidc:ada@example.com')).toBe('ada@example.com');
    expect(displayName('system:serviceaccount:team-a:alice')).toBe('alice');
    expect(displayName('alice')).toBe('alice');
    expect(displayName('system:admin')).toBe('system:admin');
  });

  it('keeps the Kubernetes user name in the title, escaped', () => {
    expect(signedInAs('oidc:ada@example.com', 'Ada <b>')).toBe(
      '<p class="who">Signed in as <strong title="Kubernetes user oidc:ada@example.com">Ada &#60;b&#62;</strong>' +
        '<span class="visually-hidden"> (Kubernetes user oidc:ada@example.com)</span></p>',
    );
    expect(signedInAs('alice')).toBe(
      '<p class="who">Signed in as <strong title="Kubernetes user alice">alice</strong></p>',
    );
  });
});
