// The kubevdi.io/v1alpha1 API: schemas, inferred types and the CRD definitions of every kind.
import type { KindDefinition } from './crd.js';
import { desktopClaimKind } from './desktopclaim.js';
import { virtualDesktopPoolKind } from './virtualdesktoppool.js';
import { vmTemplateKind } from './vmtemplate.js';

export * from './desktopclaim.js';
export * from './meta.js';
export * from './virtualdesktoppool.js';
export * from './vmtemplate.js';

/** Every kind of the API, in the order a reader meets them. */
export const KINDS: readonly KindDefinition[] = [vmTemplateKind, virtualDesktopPoolKind, desktopClaimKind];
