// `kubevdi dev` as a newcomer runs it: it prints a kubeconfig that works, the examples apply
// against it, and Ctrl-C stops every server it started.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.js';

const run = promisify(execFile);

describe('kubevdi dev', () => {
  let dev: ChildProcess | undefined;
  let workDir = '';
  afterAll(async () => {
    dev?.kill('SIGKILL');
    await rm(workDir, { recursive: true, force: true });
  });

  it('brings up a control plane with the CRDs, prints its kubeconfig, and stops on Ctrl-C', async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kubevdi-dev-test-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'dev', '--work-dir', workDir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    dev = child;
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
    });
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
    );
    const kubeconfig = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d;
        const match = /export KUBECONFIG=(\S+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`kubevdi dev exited early:\n${stdout}\n${stderr}`)));
    });
    expect(stdout).toMatch(
      /control plane ready at https:\/\/127\.0\.0\.1:\d+ in [\d.]+ s, with the kubevdi\.io and KubeVirt v1\.9\.0 CRDs/,
    );
    expect(kubeconfig.startsWith(workDir)).toBe(true);

    const kubectl = inject('cluster').kubectl;
    const applied = await run(kubectl, ['apply', '-f', path.join(REPO_ROOT, 'examples'), '--kubeconfig', kubeconfig]);
    expect(applied.stdout).toContain('virtualdesktoppool.kubevdi.io/callcenter created');
    const vm = await run(kubectl, ['explain', 'virtualmachine.spec.runStrategy', '--kubeconfig', kubeconfig]);
    expect(vm.stdout).toContain('KIND:       VirtualMachine');

    child.kill('SIGINT');
    // It dies of the signal it was sent, as a program that caught nothing would.
    expect(await exited).toBe('SIGINT');
    const after = await run(kubectl, ['get', 'ns', '--kubeconfig', kubeconfig, '--request-timeout=2s']).catch(
      (err: Error) => err,
    );
    expect(after).toBeInstanceOf(Error);
  });
});
