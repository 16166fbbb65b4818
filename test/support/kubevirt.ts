import path from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';

/** The real upstream KubeVirt CRDs and examples (the project's machines keep them in ../shared). */
export const KUBEVIRT_DIR = process.env.KUBEVIRT_DIR || path.resolve(REPO_ROOT, '../shared/kubevirt');
export const KUBEVIRT_CRDS_DIR = process.env.KUBEVIRT_CRDS_DIR || path.join(KUBEVIRT_DIR, 'crds');
