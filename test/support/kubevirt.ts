import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';

/** The real upstream KubeVirt CRDs and examples (the project's machines keep them in ../shared). */
export const KUBEVIRT_DIR = process.env.KUBEVIRT_DIR || path.resolve(REPO_ROOT, '../shared/kubevirt');
export const KUBEVIRT_CRDS_DIR = process.env.KUBEVIRT_CRDS_DIR || path.join(KUBEVIRT_DIR, 'crds');
/**
 * KubeVirt CRDs the reference directory lacks (VirtualMachineInstanceMigration), written into the
 * repository from the same upstream sources (see each file's header).
 */
export const KUBEVIRT_EXTRA_CRDS_DIR = path.join(REPO_ROOT, 'test/support/kubevirt-crds');

/** The reference copy of one KubeVirt CRD: from ../shared when it has it, else the repository's. */
export function kubevirtCrdFile(name: string): string {
  const shared = path.join(KUBEVIRT_CRDS_DIR, `${name}.yaml`);
  return existsSync(shared) ? shared : path.join(KUBEVIRT_EXTRA_CRDS_DIR, `${name}.yaml`);
}

/** The directories a control plane installs KubeVirt's CRDs from: the reference, plus what it lacks. */
export function kubevirtCrdDirs(): string[] {
  const missing = readdirSync(KUBEVIRT_EXTRA_CRDS_DIR).some(
    (file) => file.endsWith('.yaml') && !existsSync(path.join(KUBEVIRT_CRDS_DIR, file)),
  );
  return missing ? [KUBEVIRT_CRDS_DIR, KUBEVIRT_EXTRA_CRDS_DIR] : [KUBEVIRT_CRDS_DIR];
}
