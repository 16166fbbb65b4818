// `kubevdi controlplane build` (what `npm run controlplane:build` runs): finds or builds the control
// plane's binaries and prints where they are. Here KUBEBUILDER_ASSETS names a directory that has all
// four, so nothing is built and the command only has to find and name them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/paths.js';

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });

let assets = '';
beforeAll(async () => {
  assets = await mkdtemp(path.join(tmpdir(), 'kubevdi-assets-'));
  for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl']) {
    await writeFile(path.join(assets, name), '');
  }
});
afterAll(() => rm(assets, { recursive: true, force: true }));

describe('kubevdi controlplane build', () => {
  it('names the binaries it found', async () => {
    const { stdout } = await cli(['controlplane', 'build'], { KUBEBUILDER_ASSETS: assets });
    expect(stdout).toContain(`kube-apiserver           ${path.join(assets, 'kube-apiserver')}`);
    expect(stdout).toContain(`kubectl                  ${path.join(assets, 'kubectl')}`);
  }, 30_000);

  it('refuses another subcommand', async () => {
    await expect(cli(['controlplane', 'make'], { KUBEBUILDER_ASSETS: assets })).rejects.toMatchObject({
      stderr: expect.stringContaining('controlplane takes one subcommand, build'),
    });
  }, 30_000);

  it('is what npm run controlplane:build runs', async () => {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default;
    expect(pkg.scripts['controlplane:build']).toBe('tsx src/cli.ts controlplane build');
  });
});
