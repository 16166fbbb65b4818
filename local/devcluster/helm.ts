// The real `helm`, for the chart's tests: built once from the helm.sh/helm/v3 Go module through
// the module proxy (release downloads are out of reach on many of our machines) into the same
// cache as the control plane. `$HELM` names a helm to use instead.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from './binaries.js';
import { go } from './go.js';
import { withFileLock } from './lock.js';

/** Helm 3: the major platform teams run today (its charts also work with Helm 4). */
export const HELM_VERSION = 'v3.22.0';

type Log = (line: string) => void;

export async function ensureHelm(log: Log = () => {}): Promise<string> {
  if (process.env.HELM) return process.env.HELM;
  const dir = path.join(cacheRoot(), 'helm', HELM_VERSION);
  const helm = path.join(dir, 'bin', 'helm');
  if (existsSync(helm)) return helm;
  await mkdir(dir, { recursive: true });
  await withFileLock(path.join(dir, 'build.lock'), async () => {
    if (existsSync(helm)) return;
    const started = Date.now();
    log(
      `building helm ${HELM_VERSION} from Go modules into ${path.dirname(helm)} (first time only; ~3 min on 2 cores)`,
    );
    const gobin = await mkdtemp(path.join(dir, 'gobin-'));
    try {
      // Without the version stamp helm reports v3.x-dev, and `kubeVersion` checks read it.
      await go(
        [
          'install',
          '-trimpath',
          '-ldflags',
          `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
          `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
        ],
        dir,
        log,
        { GOBIN: gobin, GOFLAGS: '-mod=mod' },
      );
      await mkdir(path.dirname(helm), { recursive: true });
      await rename(path.join(gobin, 'helm'), helm);
    } finally {
      await rm(gobin, { recursive: true, force: true });
    }
    log(`helm ${HELM_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  return helm;
}
