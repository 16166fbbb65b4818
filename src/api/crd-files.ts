// The CRDs as the files `npm run generate` (local/generate/crds.ts) writes: YAML text rendered from
// the kinds, no file I/O. The test that fails when the committed YAML is stale compares with these.
import { stringify } from 'yaml';
import { crdName, renderCrd } from './crd.js';
import { KINDS } from './index.js';

const HEADER = '# Generated from src/api by `npm run generate`. Do not edit by hand.\n';

/** `kubectl apply -k crds/` (and config/default) installs exactly the generated CRDs. */
export function crdKustomization(): string {
  const resources = [...generatedCrds().keys()].map((file) => `  - ${file}\n`).join('');
  return `${HEADER}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources}`;
}

/** File name -> YAML text of every CRD. */
export function generatedCrds(): Map<string, string> {
  return new Map(KINDS.map((def) => [`${crdName(def)}.yaml`, HEADER + stringify(renderCrd(def), { lineWidth: 0 })]));
}
