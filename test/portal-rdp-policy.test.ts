// What a pool lets through its desktops' remote desktop, as the portal reads it (rdp-policy.ts).
import { describe, expect, it } from 'vitest';
import { blockedChannels, CLOSED_POLICY, rdpPolicy } from '../src/portal/console/rdp-policy.js';
import type { PoolObject } from '../src/portal/kube-objects.js';

const pool = (rdp: Record<string, unknown> | undefined): PoolObject =>
  ({ apiVersion: 'kubevdi.io/v1alpha1', kind: 'VirtualDesktopPool', spec: rdp ? { rdp } : {} }) as PoolObject;

describe('the remote desktop policy of a desktop’s pool', () => {
  it('is what the pool says, with the schema’s defaults (Horizon’s: into the desktop only) for what it does not', () => {
    expect(
      rdpPolicy(pool({ enabled: true, clipboard: 'Both', fileTransfer: 'FromDesktop', signIn: 'BeforeConnecting' })),
    ).toEqual({
      clipboard: 'Both',
      fileTransfer: 'FromDesktop',
      signIn: 'BeforeConnecting',
    });
    expect(rdpPolicy(pool({ enabled: true }))).toEqual({
      clipboard: 'ToDesktop',
      fileTransfer: 'ToDesktop',
      signIn: 'WhenAsked',
    });
    expect(rdpPolicy(pool(undefined))).toEqual({
      clipboard: 'ToDesktop',
      fileTransfer: 'ToDesktop',
      signIn: 'WhenAsked',
    });
  });

  it('lets nothing through when the pool cannot be read, or says something the schema does not know', () => {
    expect(rdpPolicy(undefined)).toEqual(CLOSED_POLICY);
    expect(CLOSED_POLICY).toMatchObject({ clipboard: 'None', fileTransfer: 'None' });
    expect(rdpPolicy(pool({ clipboard: 'Sideways' }))).toEqual(CLOSED_POLICY);
  });

  it('has the gateway block the clipboard channel only when neither text nor files may use it', () => {
    const policy = { clipboard: 'None', fileTransfer: 'None', signIn: 'WhenAsked' } as const;
    expect(blockedChannels(policy)).toEqual(['cliprdr']);
    // Files travel through the clipboard channel: with uploads allowed, the page keeps text out.
    expect(blockedChannels({ ...policy, fileTransfer: 'ToDesktop' })).toEqual([]);
    expect(blockedChannels({ ...policy, clipboard: 'FromDesktop' })).toEqual([]);
  });
});
