// Finds or builds the binaries of a real control plane: etcd, kube-apiserver and
// kube-controller-manager. Release buckets are out of reach on many of our machines, so when
// no KUBEBUILDER_ASSETS are given we build them from the Go module proxy, once per version,
// into a cache outside the repository.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { go, goModDownload } from './go.js';
import { withFileLock } from './lock.js';

/** The Kubernetes release we build when nothing else is given. */
export const DEFAULT_KUBERNETES_VERSION = 'v1.36.3';

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** A kubectl of the same release, so tests and people never meet version skew. */
  kubectl: string;
  /** Where they came from, for people reading logs. */
  source: string;
}

type Log = (line: string) => void;

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'kubevdi');
}

/**
 * Returns ready-to-run binaries. Order of preference: `$KUBEBUILDER_ASSETS`, the newest
 * setup-envtest download of a supported release, then our own cache (building it if empty).
 * setup-envtest ships no kube-controller-manager, so that one always comes from our cache.
 */
export async function ensureBinaries(log: Log = () => {}): Promise<ControlPlaneBinaries> {
  const version = process.env.KUBEVDI_KUBERNETES_VERSION || DEFAULT_KUBERNETES_VERSION;
  const assets = process.env.KUBEBUILDER_ASSETS || (await findSetupEnvtestAssets());
  if (assets) {
    for (const name of ['etcd', 'kube-apiserver']) {
      if (!existsSync(path.join(assets, name))) {
        throw new Error(`KUBEBUILDER_ASSETS=${assets} has no ${name}; unset it to build one`);
      }
    }
    const inAssets = (name: string) => (existsSync(path.join(assets, name)) ? path.join(assets, name) : undefined);
    const kcm = inAssets('kube-controller-manager');
    const kubectl = inAssets('kubectl');
    const built = kcm && kubectl ? undefined : await ensureBuilt(version, log);
    return {
      etcd: path.join(assets, 'etcd'),
      kubeApiserver: path.join(assets, 'kube-apiserver'),
      kubeControllerManager: kcm ?? (built as ControlPlaneBinaries).kubeControllerManager,
      kubectl: kubectl ?? (built as ControlPlaneBinaries).kubectl,
      source: assets,
    };
  }
  return ensureBuilt(version, log);
}

/** setup-envtest's default store; used only for releases with the features we need (>= 1.34). */
async function findSetupEnvtestAssets(): Promise<string | undefined> {
  const store = path.join(process.env.XDG_DATA_HOME || path.join(homedir(), '.local/share'), 'kubebuilder-envtest/k8s');
  if (!existsSync(store)) return undefined;
  const candidates = (await readdir(store))
    .map((dir) => ({ dir, m: /^1\.(\d+)\.(\d+)-linux-/.exec(dir) }))
    .filter((c) => c.m && Number(c.m[1]) >= 34 && existsSync(path.join(store, c.dir, 'kube-apiserver')))
    .sort((a, b) => Number(b.m?.[1]) - Number(a.m?.[1]) || Number(b.m?.[2]) - Number(a.m?.[2]));
  return candidates[0] ? path.join(store, candidates[0].dir) : undefined;
}

async function ensureBuilt(version: string, log: Log): Promise<ControlPlaneBinaries> {
  const dir = path.join(cacheRoot(), 'controlplane', version);
  const bin = path.join(dir, 'bin');
  const result: ControlPlaneBinaries = {
    etcd: path.join(bin, 'etcd'),
    kubeApiserver: path.join(bin, 'kube-apiserver'),
    kubeControllerManager: path.join(bin, 'kube-controller-manager'),
    kubectl: path.join(bin, 'kubectl'),
    source: bin,
  };
  // bin/ appears only by renaming a finished build, so all binaries there means complete.
  const complete = () =>
    [result.etcd, result.kubeApiserver, result.kubeControllerManager, result.kubectl].every((f) => existsSync(f));
  if (complete()) return result;
  await mkdir(dir, { recursive: true });
  await withFileLock(path.join(dir, 'build.lock'), async () => {
    if (complete()) return; // another process built it while we waited
    const started = Date.now();
    log(`building the control plane ${version} from Go modules into ${bin} (first time only; 7 to 12 min on 2 cores)`);
    await buildFromGoModules(version, dir, log);
    log(`control plane ${version} built in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  return result;
}

/** The commands of the release we build; etcd is built apart (its package path ends in /v3). */
const BUILT_COMMANDS = [
  'k8s.io/kubernetes/cmd/kube-apiserver',
  'k8s.io/kubernetes/cmd/kube-controller-manager',
  'k8s.io/kubernetes/cmd/kubectl',
];

interface ReleaseModule {
  goVersion: string;
  stagingModules: string[];
  etcdVersion: string;
}

/** Reads what a release's own go.mod says instead of typing lists that drift per release. */
export function parseReleaseGoMod(goMod: string): ReleaseModule {
  const goVersion = /^go (\S+)$/m.exec(goMod)?.[1];
  const stagingModules = [...goMod.matchAll(/^\s*(k8s\.io\/\S+) => \.\/staging\/src\/\S+\s*$/gm)].map(
    (m) => m[1] as string,
  );
  const etcdVersion = /^\s*go\.etcd\.io\/etcd\/server\/v3 (v\S+)/m.exec(goMod)?.[1];
  if (!goVersion || !etcdVersion || stagingModules.length === 0) {
    throw new Error('unexpected k8s.io/kubernetes go.mod: no go version, staging replaces or etcd server requirement');
  }
  return { goVersion, stagingModules, etcdVersion };
}

/** The scratch module: requires the release and etcd, pins every staging module to v0.Y.Z. */
export function scratchGoMod(version: string, release: ReleaseModule): string {
  const staging = `v0.${version.replace(/^v1\./, '')}`;
  return [
    'module kubevdi.local/controlplane',
    '',
    `go ${release.goVersion}`,
    '',
    'require (',
    `\tk8s.io/kubernetes ${version}`,
    `\tgo.etcd.io/etcd/server/v3 ${release.etcdVersion}`,
    ')',
    '',
    'replace (',
    ...release.stagingModules.map((m) => `\t${m} => ${m} ${staging}`),
    ')',
    '',
    'tool (',
    ...BUILT_COMMANDS.map((cmd) => `\t${cmd}`),
    '\tgo.etcd.io/etcd/server/v3',
    ')',
    '',
  ].join('\n');
}

async function buildFromGoModules(version: string, dir: string, log: Log): Promise<void> {
  const mod = path.join(dir, 'module');
  const out = path.join(dir, 'bin.partial');
  await rm(out, { recursive: true, force: true });
  await mkdir(mod, { recursive: true });
  await mkdir(out, { recursive: true });

  const info = await goModDownload(`k8s.io/kubernetes@${version}`);
  const release = parseReleaseGoMod(await readFile(info.GoMod, 'utf8'));
  await writeFile(path.join(mod, 'go.mod'), scratchGoMod(version, release));
  await go(['mod', 'tidy'], mod, log);

  const [major, minor] = version.replace(/^v/, '').split('.');
  const pkg = 'k8s.io/component-base/version';
  const ldflags = [
    '-s -w',
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ].join(' ');
  const flags = ['build', '-trimpath'];
  await go([...flags, '-ldflags', ldflags, '-o', `${out}/`, ...BUILT_COMMANDS], mod, log);
  await go([...flags, '-ldflags', '-s -w', '-o', path.join(out, 'etcd'), 'go.etcd.io/etcd/server/v3'], mod, log);
  await rm(path.join(dir, 'bin'), { recursive: true, force: true });
  await rename(out, path.join(dir, 'bin'));
}
