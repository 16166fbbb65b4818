// The install recipes of docs/argocd.md, run with the real kubectl against a stand-in for Argo
// CD's own argocd-cm (install.yaml ships it without a namespace and with settings of its own):
// each adds the three health checks, byte for byte, and keeps what was there.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ARGOCD_CM_FILE, HEALTH_CHECKS, readHealthScript } from '../../src/argocd/health.js';
import { REPO_ROOT } from '../../src/paths.js';

const run = promisify(execFile);

const ARGO_CM = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'argocd-cm', labels: { 'app.kubernetes.io/name': 'argocd-cm' } },
  data: { url: 'https://argocd.example.com', 'resource.exclusions': '- apiGroups: [cilium.io]\n' },
};

async function kubectl(...args: string[]): Promise<string> {
  const { kubectl, adminKubeconfig } = inject('cluster');
  const { stdout } = await run(kubectl, [...args, '--kubeconfig', adminKubeconfig]);
  return stdout;
}

/** The code blocks of docs/argocd.md in the given language. */
async function docBlocks(language: string): Promise<string[]> {
  const doc = await readFile(path.join(REPO_ROOT, 'docs/argocd.md'), 'utf8');
  return [...doc.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) =>
    (m[1] as string).replace(/^ {2}/gm, ''),
  );
}

describe('installing the health checks (docs/argocd.md)', () => {
  let work: string;
  let scripts: Map<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'kubevdi-argocd-'));
    await writeFile(path.join(work, 'install.yaml'), stringify(ARGO_CM));
    await copyFile(path.join(REPO_ROOT, ARGOCD_CM_FILE), path.join(work, 'argocd-cm.yaml'));
    scripts = new Map();
    for (const check of HEALTH_CHECKS) scripts.set(check.key, await readHealthScript(check));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const expectPatched = (cm: { metadata: { namespace?: string }; data: Record<string, string> }) => {
    expect(cm.metadata.namespace).toBe('argocd');
    expect(cm.data.url).toBe(ARGO_CM.data.url);
    expect(cm.data['resource.exclusions']).toBe(ARGO_CM.data['resource.exclusions']);
    for (const [key, script] of scripts) expect(cm.data[key], key).toBe(script);
  };

  it('with kustomize: the kustomization of the doc, Argo CD install.yaml replaced by the stand-in', async () => {
    const [block] = (await docBlocks('yaml')).filter((b) => b.includes('patches:'));
    const kustomization = parse(block as string);
    expect(kustomization.resources).toEqual([
      'https://raw.githubusercontent.com/argoproj/argo-cd/stable/manifests/install.yaml',
    ]);
    kustomization.resources = ['install.yaml'];
    await writeFile(path.join(work, 'kustomization.yaml'), stringify(kustomization));
    const [cm] = parseAllDocuments(await kubectl('kustomize', work)).map((d) => d.toJS());
    expectPatched(cm);
  });

  it('with kubectl: the merge patch of the doc, applied locally', async () => {
    const [block] = (await docBlocks('sh')).filter((b) => b.includes('kubectl -n argocd patch'));
    expect(block?.trim()).toBe(
      'kubectl -n argocd patch configmap argocd-cm --type merge --patch-file docs/argocd/argocd-cm.yaml',
    );
    const patched = await kubectl(
      'patch',
      '--local',
      '-f',
      path.join(work, 'install.yaml'),
      '--type',
      'merge',
      '--patch-file',
      path.join(REPO_ROOT, ARGOCD_CM_FILE),
      '-o',
      'yaml',
    );
    expectPatched(parse(patched));
  });
});
