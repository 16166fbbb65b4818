// Applies YAML manifests (several documents a file) with server-side apply, as `kubectl apply
// --server-side` would: the admission policy and RBAC in config/, the examples.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { makeApply } from '../../src/runtime/apply.js';

export async function applyManifests(
  kc: KubeConfig,
  files: readonly string[],
  fieldManager = 'kubevdi-dev',
): Promise<void> {
  const apply = makeApply(kc, fieldManager);
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const obj = doc.toJS() as KubernetesObject | null;
      if (obj) await apply(obj);
    }
  }
}

/** The YAML files of a directory, in name order (kubectl's order). */
export async function yamlFiles(dir: string): Promise<string[]> {
  return (
    (await readdir(dir))
      // A kustomization.yaml describes the directory for `kubectl apply -k`; it is not an object.
      .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && !/^kustomization\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f))
  );
}
