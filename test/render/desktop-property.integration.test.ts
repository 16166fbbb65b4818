// The rule this file proves, with fast-check against the real API server and KubeVirt's real CRDs:
// everything a pool and a template accept renders into desktops the cluster accepts. Each case is
// a generated template and pool; the API server judges them first (server-side dry runs with
// strict field validation, CEL included). For every pair it accepts, the desktop renders without
// error, breaks none of virt-api's webhook rules, its VirtualMachine is accepted (strict dry run),
// and so is the placement of its virt-launcher Pod, which virt-controller copies from the VMI
// (nodeSelector, affinity, tolerations, the memory request): a refusal there is a pool that never
// gets desktops, learnt far from where the mistake was made. Cases run in parallel batches.
//
// KUBEVDI_PROPERTY_CASES sets how many cases (default below, sized for CI on a loaded 2-core
// machine); KUBEVDI_PROPERTY_SEED replays a run.
import type { KubernetesObject } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_VERSION, VirtualDesktopPool, VMTemplateSpec } from '../../src/api/index.js';
import type { VirtualMachine } from '../../src/render/kubevirt.js';
import { renderDesktop } from '../../src/render/virtualmachine.js';
import { applyAs, useTestNamespace } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { poolName, poolSpec, templateName, templateSpec } from './spec-arbitraries.js';
import { webhookViolations } from './webhook-rules.js';

const namespace = useTestNamespace('property');
const CASES = Number(process.env.KUBEVDI_PROPERTY_CASES ?? 2000);
const BATCH = 32;
/** Print every violation instead of stopping at the first batch with one (for finding them all). */
const EXPLORE = Boolean(process.env.KUBEVDI_PROPERTY_EXPLORE);
const SEED = process.env.KUBEVDI_PROPERTY_SEED ? Number(process.env.KUBEVDI_PROPERTY_SEED) : undefined;

type Resource = KubernetesObject & { spec: Record<string, unknown> };

interface Case {
  template: { name: string; spec: Record<string, unknown> };
  pool: { name: string; spec: Record<string, unknown> };
  /** Which desktop of the pool (as a share of its size) and which template revision. */
  indexShare: number;
  revision: number;
}

const caseArb: fc.Arbitrary<Case> = templateName.chain((tname) =>
  fc.record({
    template: fc.record({ name: fc.constant(tname), spec: templateSpec }),
    pool: fc.record({ name: poolName, spec: poolSpec(tname) }),
    indexShare: fc.double({ min: 0, max: 1, noNaN: true }),
    revision: fc.integer({ min: 1, max: 100_000 }),
  }),
);

/** What happened to one case. */
type Verdict =
  | { kind: 'refused'; by: 'template' | 'pool'; message: string }
  | { kind: 'desktop accepted' }
  | { kind: 'violation'; what: string; message: string };

const tally = { cases: 0, refusedTemplate: 0, refusedPool: 0, desktops: 0 };

async function judge(c: Case): Promise<Verdict> {
  const apply = applyAs();
  const dry = { dryRun: true };
  const ns = namespace();
  const [template, pool] = await Promise.all([
    apply<Resource>(
      {
        apiVersion: API_VERSION,
        kind: 'VMTemplate',
        metadata: { name: c.template.name, namespace: ns },
        spec: c.template.spec,
      },
      dry,
    ).catch((err: unknown) => refusalMessage(err)),
    apply<Resource>(
      {
        apiVersion: API_VERSION,
        kind: 'VirtualDesktopPool',
        metadata: { name: c.pool.name, namespace: ns },
        spec: c.pool.spec,
      },
      dry,
    ).catch((err: unknown) => refusalMessage(err)),
  ]);
  // A refusal is an answer at a field; a timeout or a server error is not (and was once a
  // quantity the API server took 30 s to parse).
  for (const [by, answer] of [
    ['template', template],
    ['pool', pool],
  ] as const) {
    if (typeof answer === 'string' && /^5\d\d: (?!failed to create typed patch object)/.test(answer))
      return { kind: 'violation', what: `the ${by}'s dry run`, message: answer };
  }
  if (typeof template === 'string') return { kind: 'refused', by: 'template', message: template };
  if (typeof pool === 'string') return { kind: 'refused', by: 'pool', message: pool };

  let vm: VirtualMachine;
  try {
    const parsedPool = VirtualDesktopPool.parse(pool);
    const size = parsedPool.spec.size;
    vm = renderDesktop({
      pool: parsedPool,
      template: { name: c.template.name, spec: VMTemplateSpec.parse(template.spec) },
      revision: c.revision,
      index: Math.min(Math.floor(c.indexShare * size), Math.max(size - 1, 0)),
      runStrategy: 'Halted',
    });
  } catch (err) {
    return { kind: 'violation', what: 'render', message: String(err) };
  }
  const broken = webhookViolations(vm);
  if (broken.length > 0) return { kind: 'violation', what: "virt-api's webhook rules", message: broken.join('; ') };
  const [refusedVm, refusedPod] = await Promise.all(
    [vm, launcherPod(vm)].map((obj) =>
      apply(obj, dry).then(
        () => undefined,
        (err: unknown) => refusalMessage(err),
      ),
    ),
  );
  if (refusedVm) return { kind: 'violation', what: 'VirtualMachine', message: refusedVm };
  if (refusedPod) return { kind: 'violation', what: 'virt-launcher Pod', message: refusedPod };
  return { kind: 'desktop accepted' };
}

/** The parts of the virt-launcher Pod that virt-controller takes from the VMI spec and people wrote. */
function launcherPod(vm: VirtualMachine): KubernetesObject {
  const vmi = vm.spec.template.spec;
  const memory = vmi.domain.memory?.guest;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `virt-launcher-${vm.metadata.name}-abcde`,
      namespace: vm.metadata.namespace,
      labels: vm.spec.template.metadata?.labels,
    },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'compute',
          image: 'virt-launcher',
          ...(memory !== undefined && { resources: { requests: { memory } } }),
        },
      ],
      ...(vmi.nodeSelector && { nodeSelector: vmi.nodeSelector }),
      ...(vmi.affinity && { affinity: vmi.affinity }),
      ...(vmi.tolerations && { tolerations: vmi.tolerations }),
    },
  } as KubernetesObject;
}

function refusalMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown };
  // Server-side apply answers a field the schema does not declare with a 500 ("failed to create
  // typed patch object"): a refusal of the object all the same.
  if (typeof e.code !== 'number') throw err;
  const body = typeof e.body === 'string' ? safeJson(e.body) : (e.body as { message?: string } | undefined);
  return `${e.code}: ${body?.message ?? String(e.body)}`;
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

describe('everything a pool and template accept renders into desktops the cluster accepts', () => {
  it(`holds for ${CASES} generated templates and pools`, async () => {
    // The virt-launcher Pod's dry run needs the namespace's default ServiceAccount.
    await eventually(() =>
      applyAs()({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: namespace() } }),
    );
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const verdicts = await Promise.all(
          batch.map((c) =>
            judge(c).catch(
              (err: unknown): Verdict => ({
                kind: 'violation',
                what: 'the test itself',
                message: `${String(err)} ${JSON.stringify((err as { body?: unknown }).body)}`,
              }),
            ),
          ),
        );
        const violations: string[] = [];
        verdicts.forEach((v, i) => {
          tally.cases++;
          if (v.kind === 'refused') tally[v.by === 'template' ? 'refusedTemplate' : 'refusedPool']++;
          if (v.kind === 'desktop accepted') tally.desktops++;
          if (v.kind === 'violation')
            violations.push(`${v.what} refused: ${v.message}\n  for ${JSON.stringify(batch[i])}`);
        });
        if (violations.length === 0) return;
        if (!EXPLORE) throw new Error(violations.join('\n'));
        process.stderr.write(`${violations.join('\n')}\n`);
      }),
      { numRuns: Math.ceil(CASES / BATCH), seed: SEED, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `[property] ${tally.cases} cases in ${seconds.toFixed(1)} s: ${tally.desktops} desktops accepted, ${tally.refusedTemplate} templates and ${tally.refusedPool} pools refused by their CRDs\n`,
    );
    // The generators are worth their time only if most cases reach a desktop.
    expect(tally.desktops).toBeGreaterThan(tally.cases / 2);
  }, 600_000);
});
