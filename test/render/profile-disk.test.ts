// A person's profile disk without a server: its name and labels, who owns it, how a desktop
// carries it, and that a desktop keeps it only where the pool has profile disks.
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/api/labels.js';
import type { ProfileDiskSpec } from '../../src/api/profile-disk.js';
import {
  attachedProfileDisk,
  belongsTo,
  PROFILE_OF_LABEL,
  PROFILE_PERSON_ANNOTATION,
  personHash,
  profileDiskName,
  renderProfileDisk,
} from '../../src/render/profile-disk.js';
import { renderDesktop } from '../../src/render/virtualmachine.js';
import { input, pool } from './fixtures.js';
import { webhookViolations } from './webhook-rules.js';

const withDisks = (spec: Record<string, unknown> = {}) =>
  pool('sales', { profileDisk: { size: '10Gi', retainDaysAfterLastUse: 30, ...spec } });

describe('profile disks', () => {
  it('are named from pool and person, differently for every person, within a DNS label', () => {
    const name = profileDiskName('sales', 'oidc:alice@example.com');
    expect(name).toMatch(/^sales-profile-[0-9a-f]{16}$/);
    expect(profileDiskName('sales', 'oidc:alice@example.com')).toBe(name);
    expect(profileDiskName('sales', 'oidc:bob@example.com')).not.toBe(name);
    expect(profileDiskName('marketing', 'oidc:alice@example.com')).not.toBe(name);
    expect(profileDiskName('p'.repeat(50), 'x').length).toBeLessThanOrEqual(253);
  });

  it('are owned by nothing, unless deleteWithPool, and say whose they are', () => {
    const pvc = renderProfileDisk(
      withDisks(),
      withDisks().spec.profileDisk as ProfileDiskSpec,
      'alice',
      '2026-12-07T10:00:00Z',
    );
    expect(pvc.metadata?.ownerReferences).toBeUndefined();
    expect(pvc.metadata?.labels).toMatchObject({ [LABELS.pool]: 'sales', [PROFILE_OF_LABEL]: personHash('alice') });
    expect(pvc.metadata?.annotations?.[PROFILE_PERSON_ANNOTATION]).toBe('alice');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(belongsTo(pvc, 'sales', 'alice')).toBe(true);
    expect(belongsTo(pvc, 'sales', 'bob')).toBe(false);
    expect(belongsTo(pvc, 'marketing', 'alice')).toBe(false);

    const owned = withDisks({ deleteWithPool: true, storageClassName: 'fast', accessMode: 'ReadWriteMany' });
    const ownedPvc = renderProfileDisk(
      owned,
      owned.spec.profileDisk as ProfileDiskSpec,
      'alice',
      '2026-12-07T10:00:00Z',
    );
    expect(ownedPvc.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'VirtualDesktopPool', name: 'sales', controller: false }),
    ]);
    expect(ownedPvc.spec).toMatchObject({ storageClassName: 'fast', accessModes: ['ReadWriteMany'] });
  });

  it('are carried by a desktop as a hotpluggable disk with their serial, last, obeying the webhook', () => {
    const vm = renderDesktop(input({ pool: withDisks(), profileDisk: 'sales-profile-0123456789abcdef' }));
    const spec = vm.spec.template.spec;
    expect(spec.volumes.at(-1)).toEqual({
      name: 'profile',
      persistentVolumeClaim: { claimName: 'sales-profile-0123456789abcdef', hotpluggable: true },
    });
    expect(spec.domain.devices.disks.at(-1)).toEqual({
      name: 'profile',
      serial: 'kubevdi-profile',
      disk: { bus: 'scsi' },
    });
    expect(attachedProfileDisk(vm)).toBe('sales-profile-0123456789abcdef');
    expect(webhookViolations(vm)).toEqual([]);
    // Not where the pool has none (it was removed from the pool), nor without a disk bound.
    expect(
      attachedProfileDisk(renderDesktop(input({ profileDisk: 'sales-profile-0123456789abcdef' }))),
    ).toBeUndefined();
    expect(attachedProfileDisk(renderDesktop(input({ pool: withDisks() })))).toBeUndefined();
  });
});
