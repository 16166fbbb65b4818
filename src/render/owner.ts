// The owner reference everything a pool makes carries (desktops, its entitlement, RDP Services):
// garbage collection deletes them with the pool, and with blockOwnerDeletion a foreground
// deletion of the pool waits for them. Pure.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION } from '../api/meta.js';

export function poolOwnerReference(pool: { name: string; uid: string }): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'VirtualDesktopPool',
    name: pool.name,
    uid: pool.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
