// The Argo CD health checks, run as Argo CD runs them (a Lua state with obj set, see argocd-lua.ts)
// against objects with the statuses the operator writes: the pool's conditions come from the
// operator's own poolConditions, the template's and claim's are written as their controllers
// write them. And the argocd-cm patch in git is exactly what `npm run generate` makes of them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ARGOCD_CM_FILE,
  ARGOCD_HELM_VALUES_FILE,
  generatedArgoCdConfigMap,
  generatedArgoCdHelmValues,
  HEALTH_CHECKS,
  readHealthScript,
} from '../../src/argocd/health.js';
import type { PoolSituation } from '../../src/controllers/pool-status.js';
import { poolConditions } from '../../src/controllers/pool-status.js';
import { REPO_ROOT } from '../../src/paths.js';
import { type ConditionInput, setConditions } from '../../src/runtime/conditions.js';
import { type Health, lua51Problems, runHealthScript, toLua } from './argocd-lua.js';

const scripts = new Map<string, string>();

beforeAll(async () => {
  for (const check of HEALTH_CHECKS) scripts.set(check.kind, await readHealthScript(check));
});

function health(kind: string, obj: unknown): Promise<Health> {
  const script = scripts.get(kind);
  if (!script) throw new Error(`no health script for ${kind}`);
  return runHealthScript(script, obj);
}

function cond(type: string, status: 'True' | 'False', reason: string, message: string): ConditionInput {
  return { type, status, reason, message };
}

/** An object as the API server returns it: generation set, status written for `observed`. */
function object(
  kind: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> | undefined,
  generation = 2,
  observed = generation,
): Record<string, unknown> {
  return {
    apiVersion: 'kubevdi.io/v1alpha1',
    kind,
    metadata: { name: 'x', namespace: 'vdi-sales', generation, uid: 'u-1', labels: { team: 'sales' } },
    spec,
    ...(status ? { status: { observedGeneration: observed, ...status } } : {}),
  };
}

const explain = (c: ConditionInput | undefined) => `${c?.reason}: ${c?.message}`;

describe('the Lua scripts', () => {
  it('exist for every kind, under the argocd-cm keys Argo CD looks up', () => {
    expect(HEALTH_CHECKS.map((c) => [c.key, c.file])).toEqual([
      ['resource.customizations.health.kubevdi.io_VMTemplate', 'docs/argocd/health/vmtemplate.lua'],
      ['resource.customizations.health.kubevdi.io_VirtualDesktopPool', 'docs/argocd/health/virtualdesktoppool.lua'],
      ['resource.customizations.health.kubevdi.io_DesktopClaim', 'docs/argocd/health/desktopclaim.lua'],
    ]);
  });

  it('use nothing that gopher-lua (Lua 5.1, base, table and package only) lacks', () => {
    for (const [kind, script] of scripts) expect(lua51Problems(script), kind).toEqual([]);
    // The guard itself finds what it is there to find.
    expect(lua51Problems('local a = 7 // 2\ngoto done\n::done::\nlocal s <const> = ("x"):upper()')).toEqual([
      'integer division (//) is Lua 5.3',
      'goto and labels are Lua 5.2',
      'attributes (<const>, <close>) are Lua 5.4',
      'method calls (e.g. on strings) need libraries Argo CD does not open',
    ]);
    expect(lua51Problems('-- a // comment, string.format\nlocal s = "a // b ~ c"\nif s ~= nil then end')).toEqual([]);
  });

  it('get obj the way Argo CD decodes it: tables from 1, no nulls, integers printed whole', async () => {
    expect(toLua({ a: [1, 'two'], b: null, c: { 'd.e': true } })).toBe(
      '{["a"] = {1, "two"}, ["c"] = {["d.e"] = true}}',
    );
    const script = 'return { status = "Healthy", message = obj.a[2] .. " " .. obj.a[1] .. " " .. tostring(obj.b) }';
    expect(await runHealthScript(script, { a: [7, 'x"\\y'], b: null })).toEqual({
      status: 'Healthy',
      message: 'x"\\y 7 nil',
    });
  });

  it('run without the string library, as in Argo CD', async () => {
    await expect(runHealthScript('return { status = string.upper("healthy") }', {})).rejects.toThrow();
    await expect(runHealthScript('return { status = ("x"):upper() }', {})).rejects.toThrow();
  });
});

describe('VMTemplate health', () => {
  const spec = {
    os: { type: 'Linux' },
    rootDisk: { source: { containerDisk: { image: 'quay.io/containerdisks/fedora:42' } } },
  };
  const template = (conditions: ConditionInput[] | undefined, generation = 2, observed = generation) =>
    object(
      'VMTemplate',
      spec,
      conditions && {
        currentRevision: 'fedora-5d8f7c9b6',
        revision: 2,
        conditions: setConditions(undefined, conditions, observed),
      },
      generation,
      observed,
    );

  it('is Progressing until the operator has written a status', async () => {
    expect(await health('VMTemplate', template(undefined, 1))).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 1',
    });
  });

  it('is Progressing while the status describes an older generation, even a Ready one', async () => {
    const ready = cond('Ready', 'True', 'SourceAvailable', 'revision 2 is ready to use');
    expect(await health('VMTemplate', template([ready], 3, 2))).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 3',
    });
  });

  it('is Healthy when Ready', async () => {
    const ready = cond('Ready', 'True', 'SourceAvailable', 'revision 2 is ready to use');
    expect(await health('VMTemplate', template([ready]))).toEqual({
      status: 'Healthy',
      message: 'revision 2 is ready to use',
    });
  });

  it('is Degraded when not Ready, with the reason and message', async () => {
    const notReady = cond('Ready', 'False', 'SourceNotFound', 'DataSource vdi-images/win11-golden does not exist');
    expect(await health('VMTemplate', template([notReady]))).toEqual({
      status: 'Degraded',
      message: 'SourceNotFound: DataSource vdi-images/win11-golden does not exist',
    });
  });

  it('is Progressing when the status has no Ready condition yet', async () => {
    expect(await health('VMTemplate', template([]))).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to check the objects the template names',
    });
  });
});

describe('VirtualDesktopPool health', () => {
  const counts = { desktops: 10, ready: 3, available: 3, assigned: 0, updated: 10 };
  const situation = (over: Partial<PoolSituation> = {}): PoolSituation => ({
    size: 10,
    prestarted: 3,
    paused: false,
    counts,
    failing: [],
    ...over,
  });
  /** A pool whose status is what the operator writes for `s`. */
  const pool = (s: PoolSituation, generation = 4, observed = generation) => {
    const conditions = poolConditions(s);
    const obj = object(
      'VirtualDesktopPool',
      { templateRef: { name: 'fedora' }, size: s.size, prestarted: s.prestarted, paused: s.paused },
      { ...s.counts, templateRevision: 2, conditions: setConditions(undefined, conditions, observed) },
      generation,
      observed,
    );
    return { obj, condition: (type: string) => conditions.find((c) => c.type === type) };
  };
  const emptyPlan = {
    create: [],
    remove: [],
    recreate: [],
    refresh: [],
    updateInPlace: [],
    run: new Map(),
    heldOverSize: 0,
  };

  it('is Healthy when desktops are ready for new users and nothing is left to do', async () => {
    const { obj } = pool(situation());
    expect(await health('VirtualDesktopPool', obj)).toEqual({
      status: 'Healthy',
      message: '3 desktops are ready for new users',
    });
  });

  it('is Progressing while the status describes an older generation (e.g. right after a scale)', async () => {
    const { obj } = pool(situation(), 5, 4);
    expect(await health('VirtualDesktopPool', obj)).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 5',
    });
    // Before any status at all, too.
    const fresh = object('VirtualDesktopPool', { templateRef: { name: 'fedora' }, size: 1 }, undefined, 1);
    expect(await health('VirtualDesktopPool', fresh)).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 1',
    });
  });

  it('is Progressing with the Progressing condition while scaling, rolling out or starting desktops', async () => {
    for (const s of [
      situation({ plan: { ...emptyPlan, create: [7, 8, 9] }, counts: { ...counts, desktops: 7 } }),
      situation({ counts: { ...counts, updated: 4 } }),
      situation({ counts: { ...counts, available: 1, ready: 1 } }),
      situation({ plan: { ...emptyPlan, heldOverSize: 2 } }),
    ]) {
      const { obj, condition } = pool(s);
      expect(condition('Progressing')?.status).toBe('True');
      expect(await health('VirtualDesktopPool', obj)).toEqual({
        status: 'Progressing',
        message: explain(condition('Progressing')),
      });
    }
    const { obj } = pool(situation({ plan: { ...emptyPlan, create: [7, 8, 9] }, counts: { ...counts, desktops: 7 } }));
    expect((await health('VirtualDesktopPool', obj)).message).toBe('ScalingUp: creating 3 desktops');
  });

  it('is Degraded with the Degraded condition when the template is missing or desktops fail', async () => {
    for (const s of [
      situation({ blocked: { reason: 'TemplateNotFound', message: 'VMTemplate vdi-sales/fedora does not exist' } }),
      situation({ blocked: { reason: 'TemplateNotReady', message: 'VMTemplate fedora is not ready: ...' } }),
      situation({ failing: [{ name: 'callcenter-3', status: 'ErrorUnschedulable' }] }),
    ]) {
      const { obj, condition } = pool(s);
      expect(await health('VirtualDesktopPool', obj)).toEqual({
        status: 'Degraded',
        message: explain(condition('Degraded')),
      });
    }
    const { obj } = pool(situation({ failing: [{ name: 'callcenter-3', status: 'ErrorUnschedulable' }] }));
    expect((await health('VirtualDesktopPool', obj)).message).toBe(
      'DesktopsFailing: 1 desktops are failing: callcenter-3 (ErrorUnschedulable)',
    );
  });

  it('is Degraded rather than Suspended when a paused pool is broken', async () => {
    const { obj } = pool(situation({ paused: true, blocked: { reason: 'TemplateNotFound', message: 'gone' } }));
    expect(await health('VirtualDesktopPool', obj)).toEqual({ status: 'Degraded', message: 'TemplateNotFound: gone' });
  });

  it('is Suspended while paused', async () => {
    const { obj } = pool(situation({ paused: true, counts: { ...counts, available: 0 } }));
    expect(await health('VirtualDesktopPool', obj)).toEqual({
      status: 'Suspended',
      message: 'the pool is paused: desktops are not created, removed or updated',
    });
  });

  it('is Progressing, not Healthy, while it waits for a changed template to be checked', async () => {
    const { obj } = pool(
      situation({
        blocked: {
          reason: 'WaitingForTemplate',
          message: 'waiting for VMTemplate fedora to be checked',
          transient: true,
        },
      }),
    );
    expect(await health('VirtualDesktopPool', obj)).toEqual({
      status: 'Progressing',
      message: 'WaitingForTemplate: waiting for VMTemplate fedora to be checked',
    });
  });

  it('is Healthy when every desktop is held, or the pool has size 0: nothing is left to do', async () => {
    const full = pool(situation({ size: 10, counts: { ...counts, available: 0, assigned: 10 } }));
    expect(full.condition('Available')?.reason).toBe('PoolExhausted');
    expect(await health('VirtualDesktopPool', full.obj)).toEqual({
      status: 'Healthy',
      message: 'all 10 desktops are held by users',
    });
    const empty = pool(
      situation({ size: 0, prestarted: 0, counts: { desktops: 0, ready: 0, available: 0, assigned: 0, updated: 0 } }),
    );
    expect(await health('VirtualDesktopPool', empty.obj)).toEqual({
      status: 'Healthy',
      message: 'the pool has size 0',
    });
  });

  it('is Progressing when the status has no conditions yet', async () => {
    const obj = object('VirtualDesktopPool', { templateRef: { name: 'fedora' }, size: 1 }, { desktops: 0 });
    expect(await health('VirtualDesktopPool', obj)).toEqual({
      status: 'Progressing',
      message: "waiting for the operator to report the pool's desktops",
    });
  });
});

describe('DesktopClaim health', () => {
  const spec = { poolRef: { name: 'callcenter' }, user: 'oidc:alice@example.com' };
  const claim = (phase: string | undefined, conditions: ConditionInput[], extra: Record<string, unknown> = {}) =>
    object('DesktopClaim', spec, { phase, ...extra, conditions: setConditions(undefined, conditions, 1) }, 1);
  const bound = cond('Bound', 'True', 'DesktopBound', 'desktop callcenter-3 is bound to oidc:alice@example.com');

  it('is Healthy when bound to a desktop that is ready', async () => {
    const ready = cond('Ready', 'True', 'DesktopReady', 'desktop callcenter-3 is running and ready');
    const obj = claim('Bound', [bound, ready], { desktop: { name: 'callcenter-3', ready: true } });
    expect(await health('DesktopClaim', obj)).toEqual({
      status: 'Healthy',
      message: 'desktop callcenter-3 is running and ready',
    });
  });

  it('is Progressing while its desktop starts', async () => {
    const starting = cond('Ready', 'False', 'DesktopStarting', 'desktop callcenter-3 is Starting');
    expect(await health('DesktopClaim', claim('Bound', [bound, starting]))).toEqual({
      status: 'Progressing',
      message: 'DesktopStarting: desktop callcenter-3 is Starting',
    });
  });

  it('is Suspended while its desktop is powered off (it waits for its user to start it)', async () => {
    const off = cond('Ready', 'False', 'DesktopPoweredOff', 'desktop callcenter-3 is powered off; start it to connect');
    expect(await health('DesktopClaim', claim('Bound', [bound, off]))).toEqual({
      status: 'Suspended',
      message: 'DesktopPoweredOff: desktop callcenter-3 is powered off; start it to connect',
    });
  });

  it('is Progressing while Pending, saying why from the Bound condition', async () => {
    for (const [reason, message] of [
      [
        'PoolExhausted',
        'all desktops of the pool are in use or being prepared; the claim is bound as soon as one is free',
      ],
      [
        'UserLimitReached',
        'oidc:alice@example.com already holds 1 desktop(s) of this pool, the most maxDesktopsPerUser allows; release one first',
      ],
      ['PoolNotFound', 'VirtualDesktopPool vdi-sales/callcenter does not exist'],
    ] as const) {
      expect(await health('DesktopClaim', claim('Pending', [cond('Bound', 'False', reason, message)]))).toEqual({
        status: 'Progressing',
        message: `${reason}: ${message}`,
      });
    }
  });

  it('is Suspended once released, saying why and what to do', async () => {
    const obj = claim('Released', [
      cond('Bound', 'False', 'Released', 'the claim was released; create a new one for a desktop'),
      cond('Ready', 'False', 'Released', 'the claim was released'),
      cond('Released', 'True', 'LoggedOff', 'desktop callcenter-3 was released: the user logged off 5 minutes ago'),
    ]);
    expect(await health('DesktopClaim', obj)).toEqual({
      status: 'Suspended',
      message:
        'LoggedOff: desktop callcenter-3 was released: the user logged off 5 minutes ago; delete the claim and create it again for a new desktop',
    });
  });

  it('is Degraded when Failed', async () => {
    const obj = claim('Failed', [cond('Bound', 'False', 'DesktopLost', 'desktop callcenter-3 was deleted')]);
    expect(await health('DesktopClaim', obj)).toEqual({
      status: 'Degraded',
      message: 'DesktopLost: desktop callcenter-3 was deleted',
    });
  });

  it('is Progressing while the status describes an older generation, or there is none', async () => {
    const ready = cond('Ready', 'True', 'DesktopReady', 'desktop callcenter-3 is running and ready');
    const stale = object(
      'DesktopClaim',
      spec,
      { phase: 'Bound', conditions: setConditions(undefined, [bound, ready], 1) },
      2,
      1,
    );
    expect(await health('DesktopClaim', stale)).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 2',
    });
    expect(await health('DesktopClaim', object('DesktopClaim', spec, undefined, 1))).toEqual({
      status: 'Progressing',
      message: 'waiting for the operator to see generation 1',
    });
  });
});

describe('the argocd-cm patch', () => {
  it(`${ARGOCD_CM_FILE} holds what \`npm run generate\` writes (run it after changing a script)`, async () => {
    const committed = await readFile(path.join(REPO_ROOT, ARGOCD_CM_FILE), 'utf8').catch(() => '<missing>');
    expect(committed).toBe(await generatedArgoCdConfigMap());
  });

  it(`${ARGOCD_HELM_VALUES_FILE} gives the argo-cd chart the same scripts under configs.cm`, async () => {
    const committed = await readFile(path.join(REPO_ROOT, ARGOCD_HELM_VALUES_FILE), 'utf8').catch(() => '<missing>');
    expect(committed).toBe(await generatedArgoCdHelmValues());
    const values = parse(committed);
    for (const check of HEALTH_CHECKS) expect(values.configs.cm[check.key], check.key).toBe(scripts.get(check.kind));
  });

  it('patches argocd-cm in namespace argocd with each script, byte for byte, under its key', async () => {
    const cm = parse(await readFile(path.join(REPO_ROOT, ARGOCD_CM_FILE), 'utf8'));
    expect(cm).toMatchObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'argocd-cm', namespace: 'argocd' },
    });
    expect(Object.keys(cm.data)).toEqual(HEALTH_CHECKS.map((c) => c.key));
    for (const check of HEALTH_CHECKS) expect(cm.data[check.key], check.key).toBe(scripts.get(check.kind));
  });
});
