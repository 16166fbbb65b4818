// The install path platform teams take, against the real API server with the real `helm` (built
// from its Go module): the chart lints, renders into objects the API server accepts with default
// values and with every option on, refuses wrong values, runs under the `restricted` Pod Security
// profile, matches `kubectl apply -k config/default`, and its RBAC is all the operator needs —
// proven by running the operator as the chart's ServiceAccount. Its alerts go to the API server
// with the Prometheus Operator's real CRDs, each expression read by Prometheus's own PromQL parser
// against the metrics the operator exports.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  type KubernetesObject,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { goModDownload } from '../local/devcluster/go.js';
import { ensureHelm } from '../local/devcluster/helm.js';
import { REPO_ROOT } from '../src/paths.js';
import { kubeconfig, kubeconfigWithToken, refusal, useTestNamespace } from './support/cluster.js';
import { useDesktops } from './support/desktops.js';
import { eventually } from './support/eventually.js';
import { serviceAccountToken } from './support/portal.js';
import { operatorSeries, readPromQL } from './support/promql.js';
import { useWorld } from './support/world.js';

const CHART = path.join(REPO_ROOT, 'charts/kubevdi');
const ALL_ON = path.join(CHART, 'ci/all-on-values.yaml');
const KUBE_VERSION = 'v1.36.3';
/** Prometheus Operator's module carries the real ServiceMonitor and PrometheusRule CRDs. */
const PROMETHEUS_OPERATOR = 'github.com/prometheus-operator/prometheus-operator@v0.85.0';

const namespace = useTestNamespace('chart');
const world = useWorld(namespace);
const { templateWithDisks, pool, claim, bound, deleteClaim, listClaims } = useDesktops(namespace);

let helm = '';
let scratch = '';
beforeAll(async () => {
  // The first run builds helm (about 3 minutes on 2 cores); later runs find it cached.
  helm = await ensureHelm((line) => process.stderr.write(`[helm] ${line}\n`));
  scratch = await mkdtemp(path.join(tmpdir(), 'kubevdi-chart-'));
}, 900_000);
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function ok(command: string, args: string[], input?: string): Promise<string> {
  const result = await run(command, args, input);
  if (result.code !== 0)
    throw new Error(`${path.basename(command)} ${args.join(' ')}: ${result.stderr || result.stdout}`);
  return result.stdout;
}

const kubectl = (args: string[], input?: string) =>
  ok(inject('cluster').kubectl, ['--kubeconfig', inject('cluster').adminKubeconfig, ...args], input);

function template(release: string, ns: string, extra: string[] = []): Promise<string> {
  return ok(helm, ['template', release, CHART, '--namespace', ns, '--kube-version', KUBE_VERSION, ...extra]);
}

function objects(yamlText: string): KubernetesObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o?.kind);
}

const identity = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name}`;

/** Server-side dry run of everything, as the admin: what the API server would accept, nothing kept. */
const dryRunApply = (yamlText: string) =>
  kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=chart-test', '--dry-run=server', '-f', '-'],
    yamlText,
  );

describe('the Helm chart', () => {
  it('passes helm lint --strict with default values and with every option on', async () => {
    await ok(helm, ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION]);
    await ok(helm, ['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, '-f', ALL_ON]);
  });

  it('renders objects the real API server accepts, with default values and with every option on', async () => {
    await installPrometheusOperatorCrds();

    const defaults = await template('kubevdi', namespace(), ['--include-crds']);
    expect(objects(defaults).map(identity)).toEqual(
      expect.arrayContaining(['Deployment/kubevdi', 'ServiceAccount/kubevdi', 'ClusterRole/kubevdi:operator']),
    );
    const accepted = await dryRunApply(defaults);
    expect(accepted).toContain('deployment.apps/kubevdi serverside-applied (server dry run)');

    const allOn = await template('kubevdi', namespace(), ['-f', ALL_ON]);
    const kinds = new Set(objects(allOn).map((o) => o.kind));
    for (const kind of [
      'ServiceMonitor',
      'PrometheusRule',
      'ConfigMap',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'CustomResourceDefinition',
      'VirtualDesktopPool',
      'ResourceQuota',
    ]) {
      expect(kinds).toContain(kind);
    }
    // The cap on claims per namespace, the alerts and the dashboards: off by default.
    for (const kind of ['ResourceQuota', 'PrometheusRule', 'ConfigMap'])
      expect(objects(defaults).map((o) => o.kind)).not.toContain(kind);
    expect(objects(allOn).find((o) => o.kind === 'ResourceQuota')).toMatchObject({
      metadata: { name: 'vdi-desktopclaims', namespace: namespace() },
      spec: { hard: { 'count/desktopclaims.kubevdi.io': '200' } },
    });
    // Templated CRDs survive `helm uninstall`.
    const crd = objects(allOn).find((o) => o.kind === 'CustomResourceDefinition');
    expect(crd?.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
    await dryRunApply(allOn);
  });

  it('ships alerts Prometheus can load and a dashboard Grafana can: real CRDs, the PromQL parser, exported metrics', async () => {
    await installPrometheusOperatorCrds();
    const rendered = objects(
      await template('kubevdi', namespace(), [
        ...['--set', 'monitoring.rules.enabled=true', '--set', 'monitoring.dashboards.enabled=true'],
        ...['--set', 'monitoring.rules.labels.release=prometheus', '--set', 'monitoring.rules.alertLabels.team=vdi'],
        ...['--set', 'metrics.serviceMonitor.enabled=true'],
      ]),
    );
    // The pool's namespace, not the operator pod's, on the pool metrics.
    const monitor = rendered.find((o) => o.kind === 'ServiceMonitor') as KubernetesObject & {
      spec: { endpoints: { honorLabels?: boolean }[] };
    };
    expect(monitor.spec.endpoints[0]?.honorLabels).toBe(true);

    // The rules, applied for real and read back as the API server keeps them.
    const rule = rendered.find((o) => o.kind === 'PrometheusRule') as KubernetesObject;
    expect(rule.metadata?.labels?.release).toBe('prometheus');
    await kubectl(['apply', '--server-side', '--field-manager=chart-test', '-f', '-'], stringify(rule));
    const stored = JSON.parse(
      await kubectl(['get', 'prometheusrule', rule.metadata?.name as string, '-n', namespace(), '-o', 'json']),
    ) as { spec: { groups: { name: string; rules: AlertRule[] }[] } };
    const rules = stored.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      'KubevdiPoolDegraded',
      'KubevdiPeopleWaitingOnExhaustedPool',
      'KubevdiNoOperatorLeader',
      'KubevdiClaimsFailing',
      'KubevdiClaimReconcileErrors',
    ]);
    const exported = await operatorSeries();
    for (const r of rules) {
      const reading = readPromQL(r.expr, exported);
      expect(reading.errors, `${r.alert}: ${r.expr}`).toEqual([]);
      expect(reading.problems, `${r.alert}: ${r.expr}`).toEqual([]);
      // The operator's own job, so another install's metrics never raise this one's alerts.
      expect(r.expr, r.alert).toContain('job="kubevdi-metrics"');
      expect(r.labels).toMatchObject({ team: 'vdi' });
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.runbook, r.alert).toMatch(/kubectl|Admin Portal|kubevdi_/);
      // Every label an annotation names survives the expression's aggregation.
      const kept = /\bby \(([^)]*)\)/.exec(r.expr)?.[1]?.split(/,\s*/) ?? [];
      for (const text of Object.values(r.annotations))
        for (const [, label] of text.matchAll(/\$labels\.(\w+)/g)) expect(kept, `${r.alert}: ${text}`).toContain(label);
    }

    // The dashboards, where Grafana's sidecar finds them.
    const dashboards = rendered.find((o) => o.kind === 'ConfigMap') as KubernetesObject & {
      data: Record<string, string>;
    };
    expect(dashboards.metadata?.labels?.grafana_dashboard).toBe('1');
    expect(Object.keys(dashboards.data)).toEqual(['kubevdi.json']);
    expect(JSON.parse(dashboards.data['kubevdi.json'] as string)).toMatchObject({ uid: 'kubevdi-overview' });
    await dryRunApply(stringify(dashboards));
  });

  it('refuses a wrong value at install time and says which one', async () => {
    const refused = async (...set: string[]) => {
      const result = await run(helm, [
        'template',
        'kubevdi',
        CHART,
        '--kube-version',
        KUBE_VERSION,
        ...set.flatMap((s) => ['--set', s]),
      ]);
      expect(result.code).not.toBe(0);
      return result.stderr;
    };
    expect(await refused('replicaCount=two')).toContain("at '/replicaCount': got string, want integer");
    expect(await refused('imag.tag=latest')).toContain("additional properties 'imag' not allowed");
    expect(await refused('logLevel=verbose')).toContain("at '/logLevel': value must be one of");
    expect(await refused('metrics.port=80')).toContain("at '/metrics/port': minimum");
    expect(await refused('monitoring.rules.exhaustedFor=soon')).toContain("at '/monitoring/rules/exhaustedFor'");
    expect(await refused('replicaCount=2', 'leaderElection.enabled=false')).toContain(
      'replicaCount > 1 needs leaderElection.enabled',
    );
  });

  it('runs pods that the restricted Pod Security profile admits', async () => {
    const core = kubeconfig().makeApiClient(CoreV1Api);
    await core.patchNamespace(
      { name: namespace(), body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // The operator's and the portal's pods.
    const rendered = objects(
      await template('kubevdi', namespace(), [
        ...['--set', 'portal.enabled=true', '--set', 'portal.tokenSignIn=true'],
        ...['--set', 'portal.session.existingSecret=portal-session'],
      ]),
    );
    // The pods name the chart's ServiceAccounts, which admission looks up: create them for real.
    for (const account of rendered.filter((o) => o.kind === 'ServiceAccount')) {
      await kubectl(['apply', '-f', '-'], stringify(account));
    }
    const deployments = rendered.filter((o) => o.kind === 'Deployment') as (KubernetesObject & {
      spec: { template: V1Pod };
    })[];
    expect(deployments.map((d) => d.metadata?.name)).toEqual(['kubevdi', 'kubevdi-portal']);
    for (const deployment of deployments) {
      const pod: V1Pod = { ...deployment.spec.template, metadata: { name: 'pod', namespace: namespace() } };
      await eventually(() => core.createNamespacedPod({ namespace: namespace(), body: pod, dryRun: 'All' }), 5000);
    }
    // The namespace does enforce it: the same pod without its security context is refused.
    const careless: V1Pod = {
      metadata: { name: 'careless', namespace: namespace() },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    expect(
      (await refusal(core.createNamespacedPod({ namespace: namespace(), body: careless, dryRun: 'All' }))).message,
    ).toContain('violates PodSecurity "restricted:latest"');
  });

  it("binds the portal's ServiceAccount to nothing: it acts only as the signed-in person", async () => {
    const rendered = objects(await template('kubevdi', namespace(), ['-f', ALL_ON]));
    const portalAccount = rendered.find(
      (o) => o.kind === 'ServiceAccount' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'portal',
    );
    expect(portalAccount?.metadata?.name).toBe('vdi-portal');
    const bindings = rendered.filter(
      (o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding',
    ) as (KubernetesObject & {
      subjects?: { kind: string; name: string }[];
    })[];
    expect(bindings.length).toBeGreaterThan(0);
    for (const binding of bindings) {
      expect(binding.subjects?.map((s) => s.name)).not.toContain('vdi-portal');
    }
  });

  it('installs the same objects as kubectl apply -k config/default', async () => {
    const kustomized = objects(await kubectl(['kustomize', path.join(REPO_ROOT, 'config/default')]));
    const charted = objects(await template('kubevdi', 'kubevdi-system', ['--include-crds']));
    const names = (list: KubernetesObject[]) =>
      list
        .filter((o) => o.kind !== 'Namespace')
        .map(identity)
        .sort();
    expect(names(kustomized)).toEqual(names(charted));
    // And the operator runs the same way.
    const container = (list: KubernetesObject[]) =>
      (list.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: V1Pod } }).spec.template.spec
        ?.containers[0];
    expect(container(kustomized)?.args).toEqual(container(charted)?.args);
    expect(container(kustomized)?.securityContext).toEqual(container(charted)?.securityContext);
  });

  it("gives the operator all it needs: run as the chart's ServiceAccount, pools fill and claims bind", async () => {
    const release = `rbac-${namespace()}`.slice(0, 40);
    const rendered = objects(
      await template(release, namespace(), ['--set', 'rbac.userRoles=false', '--set', 'admissionPolicy.enabled=false']),
    );
    const rbac = rendered.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind as string),
    );
    expect(rbac.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']);
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=chart-test', '-f', '-'],
      rbac.map((o) => stringify(o)).join('---\n'),
    );
    const binding = rbac.find((o) => o.kind === 'ClusterRoleBinding')?.metadata?.name as string;
    try {
      const serviceAccount = rbac.find((o) => o.kind === 'ServiceAccount')?.metadata?.name as string;
      // The chart made the ServiceAccount; only its token is asked for.
      const { token } = await serviceAccountToken(namespace(), serviceAccount, { create: false });
      const file = path.join(scratch, `${release}.kubeconfig`);
      await writeFile(file, serviceAccountKubeconfig(token));

      const operator = await world.start(['--leader-elect', 'false'], { kubeconfig: file });
      await templateWithDisks();
      await pool('sales', { size: 3, prestarted: 1 });
      await claim('alice', 'alice');
      expect((await bound('alice', { ready: true })).status?.desktop?.name).toMatch(/^sales-\d$/);
      await deleteClaim('alice');
      await eventually(async () => expect(await listClaims()).toEqual([]));
      // Stopped before its ClusterRoleBinding goes (a late event or a stale retry would meet a
      // refusal the chart is not to blame for); fails on any RBAC refusal in its log.
      await operator.kill('SIGTERM');
    } finally {
      await kubeconfig().makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: binding });
    }
  });
});

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The real CRDs of the objects the chart makes for the Prometheus Operator, from its Go module. */
async function installPrometheusOperatorCrds(): Promise<void> {
  const module = await goModDownload(PROMETHEUS_OPERATOR);
  for (const plural of ['servicemonitors', 'prometheusrules']) {
    await kubectl([
      'apply',
      '--server-side',
      '-f',
      path.join(module.Dir, `example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml`),
    ]);
    await kubectl(['wait', '--for=condition=Established', `crd/${plural}.monitoring.coreos.com`]);
  }
}

/** A kubeconfig for the test cluster that authenticates with a ServiceAccount token. */
function serviceAccountKubeconfig(token: string): string {
  return kubeconfigWithToken(token).exportConfig();
}
