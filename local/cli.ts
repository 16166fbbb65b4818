// The kubevdi commands that run the local environment rather than the product: `dev` (everything
// on one machine) and `controlplane build` (the local control plane's binaries, for CI caches).
// They need a source checkout (the simulator, the OpenID provider, the Go toolchain's builds), so
// src/cli.ts loads this module by a path the compiler does not follow: dist/ and the image leave
// it out.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalCommands } from '../src/cli.js';
import { cacheRoot, ensureBinaries } from './devcluster/binaries.js';

async function dev(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'work-dir': { type: 'string' } } });
  const workDir = path.resolve(values['work-dir'] ?? path.join(cacheRoot(), 'dev'));
  const log = (line: string) => process.stderr.write(`kubevdi dev: ${line}\n`);
  await rm(workDir, { recursive: true, force: true });
  // Loaded only here: `controlplane build` has no use for the operator, portal and OpenID provider.
  const { runDev } = await import('./dev.js');
  const { controlPlane: cp } = await runDev({ workDir, log });
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

/** `kubevdi controlplane build`: the control plane's binaries, built (or found) once, for CI to cache. */
async function controlplane(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'build' || rest.length) {
    throw new Error(`controlplane takes one subcommand, build (got "${argv.join(' ')}")`);
  }
  const binaries = await ensureBinaries((line) => process.stderr.write(`kubevdi controlplane: ${line}\n`));
  process.stdout.write(
    [
      `etcd                     ${binaries.etcd}`,
      `kube-apiserver           ${binaries.kubeApiserver}`,
      `kube-controller-manager  ${binaries.kubeControllerManager}`,
      `kubectl                  ${binaries.kubectl}`,
      `(from ${binaries.source}; cache ${path.join(cacheRoot(), 'controlplane')} between CI runs)`,
      '',
    ].join('\n'),
  );
}

export const commands: LocalCommands = { dev, controlplane };
