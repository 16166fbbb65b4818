// examples/gitops/ is what a platform repository would hold, so it must be what Argo CD and Flux
// can apply: each team's `kubectl kustomize` output goes to the real API server (kubevdi's CRDs
// with their CEL rules, RBAC, strict field validation) as a server-side dry run, the way each
// tool applies it. Its namespaces are made for real first (a namespaced object in a namespace that
// does not exist fails even a dry run) and deleted after. The Argo CD and Flux objects need CRDs
// this cluster does not have, so for them the test checks that they point at what exists.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT } from '../src/paths.js';

const run = promisify(execFile);
const GITOPS = 'examples/gitops';
const TEAMS = ['sales', 'support'];

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests of many kinds, read field by field
  spec?: any;
}

function parseObjects(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw doc.errors[0];
      return doc.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
}

async function kubectl(...args: string[]): Promise<string> {
  const { kubectl, adminKubeconfig } = inject('cluster');
  const { stdout } = await run(kubectl, [...args, '--kubeconfig', adminKubeconfig]);
  return stdout;
}

const kustomize = (dir: string) => kubectl('kustomize', path.join(REPO_ROOT, dir));

describe('examples/gitops teams', () => {
  let work: string;
  const made: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'kubevdi-gitops-'));
  });
  afterAll(async () => {
    for (const ns of made) await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
    await rm(work, { recursive: true, force: true });
  });

  it('has exactly the teams the test knows', async () => {
    const entries = await readdir(path.join(REPO_ROOT, GITOPS, 'teams'), { withFileTypes: true });
    expect(entries.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(TEAMS);
  });

  for (const team of TEAMS) {
    it(`teams/${team}: its namespace, RoleBindings, templates and pools are accepted as Argo CD and Flux apply them`, async () => {
      const output = await kustomize(`${GITOPS}/teams/${team}`);
      const objects = parseObjects(output);
      const namespace = `vdi-${team}`;
      expect(objects.map((o) => o.kind).sort()).toEqual([
        'Namespace',
        'RoleBinding',
        'RoleBinding',
        'Secret',
        'VMTemplate',
        'VMTemplate',
        'VirtualDesktopPool',
        'VirtualDesktopPool',
      ]);
      for (const o of objects) {
        if (o.kind === 'Namespace') expect(o.metadata.name).toBe(namespace);
        else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
      }
      // Every pool names a template its team has, and is entitled to somebody.
      const templates = objects.filter((o) => o.kind === 'VMTemplate').map((o) => o.metadata.name);
      for (const pool of objects.filter((o) => o.kind === 'VirtualDesktopPool')) {
        expect(templates).toContain(pool.spec.templateRef.name);
        expect([...(pool.spec.access?.groups ?? []), ...(pool.spec.access?.users ?? [])]).not.toEqual([]);
      }
      // The RoleBindings grant the kubevdi ClusterRoles this repository ships.
      expect(
        objects
          .filter((o) => o.kind === 'RoleBinding')
          .map((o) => (o as Obj & { roleRef: { name: string } }).roleRef.name),
      ).toEqual(['kubevdi:pool-admin', 'kubevdi:user']);

      const all = path.join(work, `${team}.yaml`);
      await writeFile(all, output);
      // The team's Namespace for real, as the first thing either tool applies.
      const namespaces = path.join(work, `${team}-namespaces.yaml`);
      await writeFile(
        namespaces,
        objects
          .filter((o) => o.kind === 'Namespace')
          .map((o) => stringify(o))
          .join('---\n'),
      );
      made.push(namespace);
      await kubectl('apply', '--server-side', '--field-manager=kubevdi-test', '-f', namespaces);

      // Flux applies server-side (as does Argo CD with ServerSideApply=true) ...
      const serverSide = await kubectl(
        'apply',
        '--server-side',
        '--field-manager=kustomize-controller',
        '--dry-run=server',
        '--validate=strict',
        '-f',
        all,
      );
      expect(lines(serverSide)).toHaveLength(objects.length);
      for (const line of lines(serverSide)) expect(line).toMatch(/ serverside-applied \(server dry run\)$/);
      // ... and Argo CD by default the way `kubectl apply` does.
      const clientSide = await kubectl('apply', '--dry-run=server', '--validate=strict', '-f', all);
      expect(lines(clientSide)).toHaveLength(objects.length);
      for (const line of lines(clientSide)) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
    });
  }
});

describe('examples/gitops Argo CD and Flux objects', () => {
  const read = async (file: string) => parseObjects(await readFile(path.join(REPO_ROOT, GITOPS, file), 'utf8'));
  const isKustomization = async (dir: string) =>
    stat(path.join(REPO_ROOT, dir.replace(/^\.\//, ''), 'kustomization.yaml')).then(
      () => true,
      () => false,
    );

  it('the ApplicationSet makes one Application per team, into the namespace the team directory sets', async () => {
    const [set] = await read('argocd/applicationset.yaml');
    expect(set?.kind).toBe('ApplicationSet');
    const directories: { path: string }[] = set?.spec.generators[0].git.directories;
    expect(directories).toEqual([{ path: `${GITOPS}/teams/*` }]);
    const template = set?.spec.template;
    expect(template.spec.source.path).toBe('{{.path.path}}');
    expect(template.spec.destination.namespace).toBe('vdi-{{.path.basename}}');
    expect(template.spec.project).toBe('desktops');
    for (const team of TEAMS) expect(await isKustomization(`${GITOPS}/teams/${team}`)).toBe(true);
  });

  it('the Application and the Flux Kustomizations point at team directories and their namespaces', async () => {
    const [app] = await read('argocd/application.yaml');
    expect(app?.kind).toBe('Application');
    expect(app?.spec.source.path).toBe(`${GITOPS}/teams/sales`);
    expect(app?.spec.destination.namespace).toBe('vdi-sales');
    const flux = await read('flux/desktops.yaml');
    const kustomizations = flux.filter((o) => o.kind === 'Kustomization');
    expect(kustomizations.map((k) => k.spec.path)).toEqual(TEAMS.map((t) => `./${GITOPS}/teams/${t}`));
    for (const k of kustomizations) {
      expect(await isKustomization(k.spec.path)).toBe(true);
      expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'desktops' });
      expect(k.spec.healthCheckExprs.map((e: { kind: string }) => e.kind)).toEqual([
        'VMTemplate',
        'VirtualDesktopPool',
      ]);
    }
    expect(flux.find((o) => o.kind === 'GitRepository')?.metadata.name).toBe('desktops');
  });

  it('the AppProject allows every object a team directory holds, in its namespace', async () => {
    const [project] = await read('argocd/project.yaml');
    expect(project?.kind).toBe('AppProject');
    const allowed = (list: { group: string; kind: string }[]) => new Set(list.map((e) => `${e.group}/${e.kind}`));
    const clusterWide = allowed(project?.spec.clusterResourceWhitelist);
    const namespaced = allowed(project?.spec.namespaceResourceWhitelist);
    const destinations: { namespace: string }[] = project?.spec.destinations;
    for (const team of TEAMS) {
      for (const o of parseObjects(await kustomize(`${GITOPS}/teams/${team}`))) {
        const groupKind = `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`;
        if (o.kind === 'Namespace') expect(clusterWide.has(groupKind)).toBe(true);
        else expect(namespaced.has(groupKind), groupKind).toBe(true);
        const ns = o.kind === 'Namespace' ? o.metadata.name : (o.metadata.namespace as string);
        expect(destinations.some((d) => new RegExp(`^${d.namespace.replace('*', '.*')}$`).test(ns))).toBe(true);
      }
    }
  });
});

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
