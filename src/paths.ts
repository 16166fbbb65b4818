import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: src/ and dist/ both sit one level below it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
