#!/usr/bin/env node
// The kubevdi command. Today: `kubevdi dev`, a local control plane with the CRDs installed.
// The operator and the portal join it as subcommands.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CRD_DIRS } from './api/generate.js';
import { cacheRoot, ensureBinaries } from './devcluster/binaries.js';
import { startControlPlane } from './devcluster/controlplane.js';
import { ensureKubevirtCrds, KUBEVIRT_VERSION } from './devcluster/kubevirt-crds.js';
import { REPO_ROOT } from './paths.js';

const USAGE = `Usage: kubevdi <command> [options]

Commands:
  dev        Start a local control plane (etcd, kube-apiserver, kube-controller-manager) with the
             kubevdi and KubeVirt CRDs installed, print its kubeconfig, and run until Ctrl-C.
             Options:
               --work-dir DIR   where certificates, kubeconfigs and etcd data live
                                (default ~/.cache/kubevdi/dev; emptied at every start)
  help       Show this text.

The first \`kubevdi dev\` builds Kubernetes from Go modules (7 to 12 minutes on 2 cores); later
starts take seconds. KUBEBUILDER_ASSETS=<dir with etcd and kube-apiserver> skips the build.`;

async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'work-dir': { type: 'string' } } });
  const workDir = path.resolve(values['work-dir'] ?? path.join(cacheRoot(), 'dev'));
  const log = (line: string) => process.stderr.write(`kubevdi dev: ${line}\n`);

  const binaries = await ensureBinaries(log);
  const kubevirtCrds = process.env.KUBEVIRT_CRDS_DIR || (await kubevirtCrdsFromGoModule(log));
  await rm(workDir, { recursive: true, force: true });
  const started = Date.now();
  const cp = await startControlPlane({
    workDir,
    crdDirs: [path.join(REPO_ROOT, CRD_DIRS[0] as string), kubevirtCrds],
    log,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    [
      `kubevdi dev: control plane ready at ${cp.url} in ${seconds} s, with the kubevdi.io and KubeVirt ${KUBEVIRT_VERSION} CRDs`,
      '',
      '  In another terminal:',
      `    export KUBECONFIG=${cp.adminKubeconfig}`,
      `    kubectl apply -f ${path.relative(process.cwd(), path.join(REPO_ROOT, 'examples')) || '.'}/`,
      '    kubectl get kubevdi -A',
      '',
      `  A kubectl of the same release: ${binaries.kubectl}`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  // The servers are detached children that do not hold our event loop; this process is their
  // keeper until Ctrl-C (handled by the control plane) or until one of them dies.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  const why = await cp.ended;
  clearInterval(keepAlive);
  if (why !== 'stopped') {
    log(`the control plane stopped: ${why}`);
    process.exitCode = 1;
  }
}

/** A clone has no copy of KubeVirt's CRDs: derive them from KubeVirt's Go module, once. */
function kubevirtCrdsFromGoModule(log: (line: string) => void): Promise<string> {
  return ensureKubevirtCrds(path.join(cacheRoot(), 'kubevirt-crds', KUBEVIRT_VERSION), log);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'dev':
      return dev(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`kubevdi: unknown command "${command}"\n\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`kubevdi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
