// The fuzz campaign through the API server: generated templates, pools and claims (generate.ts)
// sent by the people whose job they are (templates by a template admin, pools by a pool admin,
// claims by the user for herself), in batches. Each input is either refused with a message that
// names a field it touched, or accepted and then reconciled by the operator (its status observes
// the generation, a claim gets a phase). After each batch the accepted objects are deleted again;
// at the end the namespace must hold no desktop without its pool and no grant without its claim,
// and the operator must be alive and quiet.
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startSimulator } from '../../local/simulator/start.js';
import { makeApply } from '../../src/runtime/apply.js';
import { applyAs, bindClusterRole, kubeconfig } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { startOperatorProcess } from '../support/operator.js';
import { baseObject, type FuzzBases, type FuzzInput, type FuzzKind, generateInput, namesAField } from './generate.js';
import { checkSafety } from './invariants.js';
import { seededRandom } from './random.js';
import { healthy, type Quiet, settle } from './settle.js';
import { readNamespaceState } from './state.js';

export interface FuzzOptions {
  namespace: string;
  kubeconfigFile: string;
  operatorKubeconfigFile: string;
  seed: number;
  /** Inputs per kind. */
  perKind: number;
  batch: number;
  log: (line: string) => void;
}

export interface FuzzCounts {
  tried: number;
  refusedNamingField: number;
  /** Refused, but the message names none of the fields touched: examples. */
  refusedVague: { input: string; message: string }[];
  accepted: number;
  reconciled: number;
  notReconciled: string[];
  /** 5xx answers, or errors before any answer. */
  serverErrors: string[];
  /** Refusals of server-side apply with a 500 that names the field (see TYPED_PATCH_500). */
  typedPatch500: number;
}

export interface FuzzResult extends FuzzCounts {
  seed: number;
  byKind: Record<FuzzKind, { tried: number; refused: number; accepted: number }>;
  operatorCrashes: number;
  hotLoops: number;
  quiet: Quiet;
  leftovers: string[];
}

const PLURAL: Record<FuzzKind, string> = {
  VMTemplate: 'vmtemplates',
  VirtualDesktopPool: 'virtualdesktoppools',
  DesktopClaim: 'desktopclaims',
};
/** Who sends each kind: a template admin, a pool admin, a user claiming for herself. */
export const SENDER: Record<FuzzKind, string> = {
  VMTemplate: 'dave',
  VirtualDesktopPool: 'carol',
  DesktopClaim: 'alice',
};

/** The people's roles in the namespace, as a platform team binds them. */
export async function bindFuzzRoles(namespace: string): Promise<void> {
  await bindClusterRole(namespace, 'kubevdi:template-admin', 'vdi-template-admins');
  await bindClusterRole(namespace, 'kubevdi:pool-admin', 'vdi-pool-admins');
  await bindClusterRole(namespace, 'kubevdi:user', 'vdi-users');
}

/** The template and pool the generated pools and claims refer to, made by the admin. */
export async function applyFuzzBases(namespace: string): Promise<FuzzBases> {
  const b: FuzzBases = { namespace, template: 'base', pool: 'base', user: 'alice' };
  const apply = applyAs();
  await apply(baseObject('VMTemplate', 'base', b));
  await apply(baseObject('VirtualDesktopPool', 'base', b));
  return b;
}

/** Claims are judged on the entitlement the operator writes for the base pool: waits for it. */
export async function waitForEntitlement(namespace: string): Promise<void> {
  // Claims are judged on the entitlement the operator writes for the pool: wait for it.
  const custom = kubeconfig().makeApiClient(CustomObjectsApi);
  await eventually(async () => {
    const pool = (await custom.getNamespacedCustomObject({
      group: 'kubevdi.io',
      version: 'v1alpha1',
      plural: 'virtualdesktoppools',
      namespace,
      name: 'base',
    })) as { status?: { observedGeneration?: number } };
    if (pool.status?.observedGeneration !== 1) throw new Error('the base pool is not reconciled yet');
  });
}

export async function apiFuzzCampaign(o: FuzzOptions): Promise<FuzzResult> {
  const ns = o.namespace;
  await bindFuzzRoles(ns);
  const sim = await startSimulator({ kubeconfig: o.kubeconfigFile, namespace: ns, bootDelayMs: 50, stopDelayMs: 20 });
  const operator = await startOperatorProcess(ns, ['--leader-elect', 'false'], {
    kubeconfig: o.operatorKubeconfigFile,
  });
  const random = seededRandom(o.seed);
  const result: FuzzResult = {
    seed: o.seed,
    tried: 0,
    refusedNamingField: 0,
    refusedVague: [],
    accepted: 0,
    reconciled: 0,
    notReconciled: [],
    serverErrors: [],
    typedPatch500: 0,
    byKind: {
      VMTemplate: { tried: 0, refused: 0, accepted: 0 },
      VirtualDesktopPool: { tried: 0, refused: 0, accepted: 0 },
      DesktopClaim: { tried: 0, refused: 0, accepted: 0 },
    },
    operatorCrashes: 0,
    hotLoops: 0,
    quiet: { windowMs: 0, reconciles: 0, cpuSeconds: 0 },
    leftovers: [],
  };
  const admin = kubeconfig();
  const custom = admin.makeApiClient(CustomObjectsApi);
  const senders = Object.fromEntries(Object.entries(SENDER).map(([kind, user]) => [kind, kubeconfig(user)])) as Record<
    FuzzKind,
    KubeConfig
  >;
  try {
    const bases = await applyFuzzBases(ns);
    await waitForEntitlement(ns);
    const kinds: FuzzKind[] = ['VMTemplate', 'VirtualDesktopPool', 'DesktopClaim'];
    let serial = 0;
    const total = o.perKind * kinds.length;
    while (result.tried < total) {
      const accepted: FuzzInput[] = [];
      for (let i = 0; i < o.batch && result.tried < total; i++) {
        const kind = kinds[result.tried % kinds.length] as FuzzKind;
        const input = generateInput(random, kind, ++serial, bases);
        result.tried++;
        result.byKind[kind].tried++;
        // Users create claims (they may not patch them); admins create or apply.
        const how: Way = kind !== 'DesktopClaim' && random.chance(0.5) ? 'apply' : 'create';
        const outcome = await send(senders[kind], input, how);
        if (outcome.kind === 'accepted') {
          result.accepted++;
          result.byKind[kind].accepted++;
          accepted.push(input);
        } else if (outcome.kind === 'refused') {
          result.byKind[kind].refused++;
          if (outcome.code === 500) result.typedPatch500++;
          if (namesAField(outcome.message, input.touched, input.object)) result.refusedNamingField++;
          else result.refusedVague.push({ input: describe(input), message: outcome.message.slice(0, 300) });
        } else {
          result.serverErrors.push(`${describe(input)}: ${outcome.message.slice(0, 300)}`);
        }
      }
      await waitReconciled(custom, ns, accepted, result);
      await removeAll(custom, ns, accepted);
      if (!(await healthy(operator.healthUrl)) || operator.child.exitCode !== null) result.operatorCrashes++;
      o.log(
        `fuzz: ${result.tried}/${total} tried, ${result.accepted} accepted, ${result.reconciled} reconciled, ${result.refusedVague.length} vague refusals, ${result.serverErrors.length} server errors`,
      );
    }
    result.leftovers = await leftovers(admin, ns);
    const quiet = await settle(operator.child.pid as number, operator.healthUrl);
    result.quiet = quiet;
    if (quiet.hot) result.hotLoops++;
    if (!(await healthy(operator.healthUrl))) result.operatorCrashes++;
  } finally {
    const how = await operator.kill('SIGTERM');
    if (how !== 'exit 0' && how !== 'SIGTERM') result.operatorCrashes++;
    await sim.stop();
  }
  return result;
}

function describe(input: FuzzInput): string {
  return `${input.kind} ${input.name.slice(0, 40)} [${input.mutations.join('; ')}]`;
}

type Outcome =
  | { kind: 'accepted'; how: Way }
  | { kind: 'refused'; how: Way; code: number; message: string }
  | { kind: 'error'; how: Way; message: string };

/** How a person sends it: `kubectl create` (POST) or `kubectl apply --server-side` (a PATCH). */
export type Way = 'create' | 'apply';

/**
 * Server-side apply turns a value of the wrong type into a 500 "failed to create typed patch
 * object" naming the field (the API server's own behaviour, not kubevdi's): a refusal in words,
 * with the wrong status code. Counted apart.
 */
export const TYPED_PATCH_500 = /failed to create typed patch object/;

export async function send(kc: KubeConfig, input: FuzzInput, how: Way): Promise<Outcome> {
  try {
    if (how === 'apply') {
      // biome-ignore lint/suspicious/noExplicitAny: the input is deliberately not a valid object
      await makeApply(kc, 'kubevdi-fuzz')(input.object as any);
    } else {
      await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: 'kubevdi.io',
        version: 'v1alpha1',
        plural: PLURAL[input.kind],
        namespace: String((input.object.metadata as { namespace: string }).namespace),
        body: input.object,
        fieldValidation: 'Strict',
      });
    }
    return { kind: 'accepted', how };
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
      const message = String(body?.message ?? err.body);
      const refused = (err.code >= 400 && err.code < 500) || (err.code === 500 && TYPED_PATCH_500.test(message));
      return refused ? { kind: 'refused', how, code: err.code, message } : { kind: 'error', how, message };
    }
    return { kind: 'error', how, message: String(err) };
  }
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** Accepted objects are reconciled: status observes the generation (a claim: it has a phase). */
async function waitReconciled(custom: CustomObjectsApi, ns: string, inputs: FuzzInput[], result: FuzzResult) {
  const deadline = Date.now() + 30_000;
  const pending = new Map(inputs.map((i) => [`${i.kind}/${i.name}`, i]));
  while (pending.size && Date.now() < deadline) {
    for (const [key, input] of pending) {
      const obj = (await custom
        .getNamespacedCustomObject({
          group: 'kubevdi.io',
          version: 'v1alpha1',
          plural: PLURAL[input.kind],
          namespace: ns,
          name: input.name,
        })
        .catch(() => undefined)) as
        | { metadata?: { generation?: number }; status?: { observedGeneration?: number; phase?: string } }
        | undefined;
      const done =
        input.kind === 'DesktopClaim'
          ? obj?.status?.phase !== undefined
          : obj?.status?.observedGeneration !== undefined && obj.status.observedGeneration === obj.metadata?.generation;
      if (done) {
        pending.delete(key);
        result.reconciled++;
      }
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 200));
  }
  for (const input of pending.values()) result.notReconciled.push(describe(input));
}

/** Claims first (the operator gives their desktops back), then pools, then templates; waits until gone. */
async function removeAll(custom: CustomObjectsApi, ns: string, inputs: FuzzInput[]): Promise<void> {
  for (const kind of ['DesktopClaim', 'VirtualDesktopPool', 'VMTemplate'] as const) {
    const names = [...new Set(inputs.filter((i) => i.kind === kind).map((i) => i.name))];
    const base = { group: 'kubevdi.io', version: 'v1alpha1', plural: PLURAL[kind], namespace: ns };
    for (const name of names) await custom.deleteNamespacedCustomObject({ ...base, name }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    for (const name of names) {
      while (
        Date.now() < deadline &&
        (await custom.getNamespacedCustomObject({ ...base, name }).then(
          () => true,
          () => false,
        ))
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

/** What is left that should not be: desktops of gone pools, grants of gone claims (after the garbage collector's turn). */
async function leftovers(admin: KubeConfig, ns: string): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await readNamespaceState(admin, ns);
    const stray = [
      ...checkSafety(state).violations,
      ...state.vms
        .filter((v) => v.meta.labels['kubevdi.io/pool'] !== 'base')
        .map((v) => `desktop ${v.meta.name} of a deleted pool`),
      ...state.claims.map((c) => `claim ${c.meta.name} never went`),
      ...state.grants.map((g) => `${g.kind} ${g.meta.name} of a deleted claim`),
    ];
    if (!stray.length || Date.now() > deadline) return stray;
    await new Promise((r) => setTimeout(r, 500));
  }
}
